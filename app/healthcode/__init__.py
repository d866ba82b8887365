"""Health codes 健康码: the colour of each person (app.healthcode.codes: read and record
it, with its history), the dynamic QR token a code page shows (app.healthcode.tokens)."""
