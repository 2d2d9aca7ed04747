"""Documents made from the ledger: the progress chart (PNG), the month's dispatch notice (.docx) and the
public disclosure page (HTML). Their wording lives in `messages/templates/<locale>/reports/`."""
