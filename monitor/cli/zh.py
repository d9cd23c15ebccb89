"""click's own words in Chinese (Usage:, Options, [required], Error: Missing option …): the command line speaks
the same language as the console. click asks `gettext` for each of them at the moment it writes them;
`install()` answers those from this table and leaves every other message to gettext as it was."""
from __future__ import annotations

import gettext

WORDS = {
    "Usage:": "用法:", "Options": "选项", "Commands": "命令", "Positional arguments": "参数",
    "Show this message and exit.": "显示本帮助并退出。", "Show the version and exit.": "显示版本并退出。",
    "required": "必填", "default: {default}": "默认: {default}", "env var: {var}": "环境变量: {var}",
    "deprecated": "已弃用", "(dynamic)": "(动态)", "Aborted!": "已中止。",
    "Error: {message}": "错误: {message}", "Try '{command} {option}' for help.": "用 '{command} {option}' 查看帮助。",
    "Missing option": "缺少选项", "Missing argument": "缺少参数", "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数: {param_name}", "Missing {param_type}": "缺少{param_type}",
    "Missing command.": "缺少命令。", "No such command {name!r}.": "没有命令 {name!r}。",
    "No such option {name!r}.": "没有选项 {name!r}。", "Option {name!r} does not take a value.": "选项 {name!r} 不带值。",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效: {message}",
    "Invalid value: {message}": "值无效: {message}", "unknown error": "未知错误",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在 {range} 范围内。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r} 不是有效的布尔值, 可用: {states}",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是目录。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 不可读。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 不可写。",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}: {message}",
    "file": "文件", "directory": "目录", "path": "路径",
    "Repeat for confirmation": "再输入一次确认", "Error: The two entered values do not match.": "错误: 两次输入不一致。",
    "Error: invalid input": "错误: 输入无效", "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个值。",
}
PLURALS = {
    "Got unexpected extra argument ({args})": "多余的参数 ({args})",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
    "{value!r} is not {choice}.": "{value!r} 不是 {choice}。",
    "Did you mean {possibility}?": "是不是 {possibility}?",
    "{value!r} does not match the format {format}.": "{value!r} 不符合格式 {format}。",
    "Takes {nargs} values but 1 was given.": "需要 {nargs} 个值, 只给了 1 个。",
}
PLURAL_FORMS = {  # click's plural form -> Chinese (one form)
    "Got unexpected extra arguments ({args})": "多余的参数 ({args})",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个值。",
    "{value!r} is not one of {choices}.": "{value!r} 不在 {choices} 之中。",
    "(Did you mean one of: {possibilities}?)": "(是不是其中之一: {possibilities}?)",
    "{value!r} does not match the formats {formats}.": "{value!r} 不符合格式 {formats}。",
    "Takes {nargs} values but {len} were given.": "需要 {nargs} 个值, 给了 {len} 个。",
}


def install() -> None:
    original, original_n = gettext.dgettext, gettext.dngettext
    if getattr(original, "monitor", False):
        return

    def dgettext(domain: str, message: str) -> str:
        return WORDS.get(message) or original(domain, message)

    def dngettext(domain: str, singular: str, plural: str, n: int) -> str:
        said = PLURALS.get(singular) if n == 1 else PLURAL_FORMS.get(plural)
        return said or original_n(domain, singular, plural, n)

    dgettext.monitor = True                  # type: ignore[attr-defined]
    gettext.dgettext, gettext.dngettext = dgettext, dngettext
