"""Checkpoints 卡口: the checkpoints, their accounts, the scan and the pass log (app.checkpoints.service)."""
