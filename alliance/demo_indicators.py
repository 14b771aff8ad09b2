"""Demo city IP indicators (issue 7 part 8): Zhangzhou's 2024 figures exactly as the press
conference published them, run at the end of ``alliance.demo.load``.

Idempotent like the other demo loaders: the catalogue is upserted from ``indicators.csv`` and
the values go through the same validated upsert as the CSV import, so a second run writes
nothing. Money is in 亿元 (100 million yuan): 1.06 billion yuan is 10.60.
"""

from __future__ import annotations

from decimal import Decimal

from alliance import indicators
from alliance.models import Indicator, Region

YEAR = 2024
REGION_CODE = "350600"  # 漳州市
SOURCE = "漳州市市场监督管理局（知识产权局）2024年知识产权工作新闻发布会"

#: indicator code → the 2024 value for Zhangzhou, in the indicator's unit.
ZHANGZHOU_2024: dict[str, Decimal] = {
    "patents_granted": Decimal("5448"),
    "invention_patents_granted": Decimal("655"),
    "high_value_invention_patents_per_10k": Decimal("3.02"),
    "trademarks_registered": Decimal("12838"),
    "valid_trademarks": Decimal("177200"),
    "gi_trademarks": Decimal("156"),
    "copyright_registrations": Decimal("85823"),
    "ip_demonstration_enterprises": Decimal("146"),
    "high_tech_enterprises": Decimal("893"),
    "specialised_smes": Decimal("241"),
    "little_giant_enterprises": Decimal("25"),
    "enterprise_technology_centres": Decimal("60"),
    "gi_exhibition_halls": Decimal("26"),
    "ip_pledge_financing": Decimal("10.60"),  # 1.06 billion yuan
    "ip_pledge_financed_enterprises": Decimal("52"),
    "gi_credit_lines": Decimal("100.00"),  # 10 billion yuan
    "patent_transfers_licences": Decimal("888"),
    "patent_product_filings": Decimal("1125"),
    "patents_revitalised": Decimal("1432"),
    "technology_contract_turnover": Decimal("2.00"),  # 200 million yuan
}


def load(*, stdout=None) -> dict[str, int]:
    """Load the catalogue and Zhangzhou's 2024 values; return the number of demo values."""
    indicators.load_indicator_catalogue(Indicator)
    region = Region.objects.get(code=REGION_CODE)
    catalogue = Indicator.objects.in_bulk(list(ZHANGZHOU_2024), field_name="code")
    rows = [
        indicators.ImportRow(
            line=index,
            indicator=catalogue[code],
            region=region,
            year=YEAR,
            value=value,
            source=SOURCE,
            source_date=None,
        )
        for index, (code, value) in enumerate(ZHANGZHOU_2024.items(), start=1)
    ]
    result = indicators.write_rows(rows, entered_by=None)
    if stdout is not None:
        stdout.write(
            f"  demo city IP indicators {YEAR}: {result.created} created, {result.updated} "
            f"updated, {result.unchanged} unchanged"
        )
    return {"indicator_values": len(rows)}
