"""A statement's lines as CSV or XLSX (openpyxl) for the merchant's books: one header row,
one row per line, a total row. Amounts are exact strings in the CSV and numbers with two
decimals in the XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal

from openpyxl import Workbook

from contexts.settlement.models import SettlementLine, Statement

HEADER = (
    "kind",
    "order_no",
    "refund_no",
    "completed_at",
    "paid_amount",
    "platform_funded",
    "commission",
    "refunded",
    "commission_returned",
    "net_amount",
)
MONEY_COLUMNS = HEADER[4:]


def _rows(lines: Iterable[SettlementLine]) -> list[tuple]:
    return [
        (
            line.kind,
            line.order_no,
            line.refund_no,
            line.completed_at.isoformat(),
            *(getattr(line, name) for name in MONEY_COLUMNS),
        )
        for line in lines
    ]


def _total(statement: Statement) -> tuple:
    return (
        "total",
        statement.statement_no,
        "",
        "",
        statement.paid_total,
        statement.platform_funded_total,
        statement.commission_total,
        statement.refund_total,
        statement.commission_returned_total,
        statement.net_total,
    )


def statement_csv(statement: Statement, lines: Iterable[SettlementLine]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for row in [*_rows(lines), _total(statement)]:
        writer.writerow([str(v) for v in row])
    # A BOM so spreadsheet programs read the UTF-8 text as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def statement_xlsx(statement: Statement, lines: Iterable[SettlementLine]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = statement.statement_no[:31]
    sheet.append(HEADER)
    for row in [*_rows(lines), _total(statement)]:
        sheet.append(list(row))
    for column in sheet.iter_cols(min_col=5, max_col=len(HEADER), min_row=2):
        for cell in column:
            if isinstance(cell.value, Decimal):
                cell.number_format = "0.00"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
