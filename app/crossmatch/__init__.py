"""Cross-matching 数据比对: feeds come in (app.crossmatch.feeds), the matching rules
find who slipped through (app.crossmatch.matching), officers resolve the findings
(app.crossmatch.findings), unresolved ones escalate and feed the penalties
(app.crossmatch.escalation)."""
