// 舆情值班台: live countdowns, confirmation before what cannot be undone, and a board that refreshes
// itself without touching a form someone is filling in. No libraries, nothing from outside.
(function () {
  "use strict";
  var serverNow = Date.parse(document.body.getAttribute("data-now"));
  var offset = isNaN(serverNow) ? 0 : serverNow - Date.now();   // the page's clock is the server's (--now)

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function span(ms) {
    var s = Math.floor(Math.abs(ms) / 1000), d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600),
        m = Math.floor(s % 3600 / 60), sec = s % 60;
    if (d >= 2) return d + "天" + h + "小时";
    h += d * 24;
    return (h ? h + "小时" : "") + pad(m) + "分" + pad(sec) + "秒";
  }
  function tick() {
    var now = Date.now() + offset;
    document.querySelectorAll(".cd[data-due]").forEach(function (el) {
      var left = Date.parse(el.getAttribute("data-due")) - now;
      el.textContent = left >= 0 ? "还剩 " + span(left) : "已超时 " + span(left);
      el.classList.toggle("overdue", left < 0);
      el.classList.toggle("pending", left >= 0);
      el.classList.toggle("soon", left >= 0 && left < 2 * 3600 * 1000);
    });
  }
  tick();
  setInterval(tick, 1000);

  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) e.preventDefault();
  });

  var dirty = false;
  document.addEventListener("input", function (e) { if (e.target.form) dirty = true; });
  var board = document.getElementById("board");
  if (board && window.fetch) {
    var every = (parseInt(board.getAttribute("data-every-s"), 10) || 30) * 1000;
    setInterval(function () {
      var a = document.activeElement;
      if (dirty || (a && a.form) || document.hidden) return;    // never lose what someone is typing
      fetch(board.getAttribute("data-refresh"), {credentials: "same-origin"}).then(function (r) {
        if (r.redirected || !r.ok) return null;                    // logged out: leave the page as it is
        return r.text();
      }).then(function (html) {
        if (html === null) return;
        board.innerHTML = html;
        board.setAttribute("data-refreshed", String(Date.now()));
        tick();
      }).catch(function () {});
    }, every);
  }
})();
