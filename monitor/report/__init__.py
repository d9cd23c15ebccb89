"""Reports for leaders and the annual report: 舆情日报/周报/月报 as self-contained HTML with charts, and
the annual timeliness tables as an Excel workbook or CSV."""
