"""Reading providers' daily trade bills into BillTotals (successful payments and refunds).

Alipay: a zip holding GBK CSVs; the detail file has a header row starting 支付宝交易号, rows whose
fields are padded with tabs, and `#` comment lines around them. 业务类型 交易 is a payment
(商户订单号, 订单金额), 退款 a refund (退款批次号/请求号, the absolute 订单金额, negative there).
WeChat Pay: a UTF-8 CSV whose detail fields start with a backtick, then a summary header
(总交易单数,...) and its row. 交易状态 SUCCESS is a payment (商户订单号, 订单金额),
REFUND a refund (商户退款单号, 申请退款金额) counted when its 退款状态 is SUCCESS.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal, InvalidOperation

from contexts.payments.ports import BillTotals


class BillFormatError(ValueError):
    """The bill does not read as the provider's format."""


def _totals(day: date, lines: list[tuple[str, str, Decimal]]) -> BillTotals:
    payments = [amount for kind, _, amount in lines if kind == "payment"]
    refunds = [amount for kind, _, amount in lines if kind == "refund"]
    return BillTotals(
        day=day,
        payment_count=len(payments),
        payment_amount=sum(payments, Decimal("0.00")),
        refund_count=len(refunds),
        refund_amount=sum(refunds, Decimal("0.00")),
        lines=tuple(lines),
    )


def _amount(text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation as exc:
        raise BillFormatError("an amount does not read") from exc
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        raise BillFormatError("an amount is not a whole number of fen")
    return value.quantize(Decimal("0.01"))


def alipay_bill_totals(*, day: date, archive: bytes) -> BillTotals:
    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
            texts = [
                bundle.read(info).decode("gbk") for info in bundle.infolist() if not info.is_dir()
            ]
    except (zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise BillFormatError("the bill is not a zip of GBK CSV files") from exc
    for text in texts:
        rows = _alipay_detail_rows(text)
        if rows is not None:
            return _totals(day, rows)
    raise BillFormatError("the bill holds no detail file")


def _alipay_detail_rows(text: str) -> list[tuple[str, str, Decimal]] | None:
    lines = text.splitlines()
    header_at = next((i for i, line in enumerate(lines) if line.startswith("支付宝交易号")), None)
    if header_at is None:
        return None
    header = [name.strip() for name in next(csv.reader([lines[header_at]]))]
    try:
        kind_at, trade_at = header.index("业务类型"), header.index("商户订单号")
        amount_at, refund_at = header.index("订单金额（元）"), header.index("退款批次号/请求号")  # noqa: RUF001 (Alipay's header)
    except ValueError as exc:
        raise BillFormatError("the detail header lacks a column") from exc
    rows: list[tuple[str, str, Decimal]] = []
    for line in lines[header_at + 1 :]:
        if line.startswith("#"):
            break
        if not line.strip():
            continue
        fields = [field.strip() for field in next(csv.reader([line]))]
        if len(fields) < len(header) - 1:
            raise BillFormatError("a detail row is short")
        if fields[kind_at] == "交易":
            rows.append(("payment", fields[trade_at], _amount(fields[amount_at])))
        elif fields[kind_at] == "退款":
            number = fields[refund_at] or fields[trade_at]
            rows.append(("refund", number, abs(_amount(fields[amount_at]))))
    return rows


def wechat_bill_totals(*, day: date, content: bytes) -> BillTotals:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BillFormatError("the bill is not UTF-8") from exc
    records = list(csv.reader(io.StringIO(text)))
    if not records or "交易状态" not in records[0]:
        raise BillFormatError("the bill has no detail header")
    header = [name.strip() for name in records[0]]

    def column(*names: str) -> int:
        for name in names:
            if name in header:
                return header.index(name)
        raise BillFormatError(f"the header lacks {names[0]}")

    state_at, trade_at = column("交易状态"), column("商户订单号")
    amount_at = column("订单金额", "总金额", "应结订单金额")
    refund_no_at, refund_state_at = column("商户退款单号"), column("退款状态")
    refund_amount_at = column("申请退款金额", "退款金额")
    rows: list[tuple[str, str, Decimal]] = []
    for record in records[1:]:
        if not record or not record[0].startswith("`"):
            break  # the summary header (总交易单数,...) ends the detail
        fields = [field.strip().lstrip("`") for field in record]
        if len(fields) < len(header):
            raise BillFormatError("a detail row is short")
        if fields[state_at] == "SUCCESS":
            rows.append(("payment", fields[trade_at], _amount(fields[amount_at])))
        elif fields[state_at] == "REFUND" and fields[refund_state_at] == "SUCCESS":
            rows.append(("refund", fields[refund_no_at], _amount(fields[refund_amount_at])))
    return _totals(day, rows)
