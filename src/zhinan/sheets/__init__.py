"""The 三张清单 as files: the stage (`stage`) writes each sector's workbook (`workbook`: layout,
styles, formulas, print set-up, reading an enterprise's filled workbook back) and CSV files
(`encode`), with the columns declared in `zhinan.formats.columns`. Code outside the package uses
the names below.
"""

from zhinan.formats.columns import (
    ALL_SECTORS_TITLE,
    CHECKLIST_SHEET,
    FINDING_COLUMNS,
    RECTIFICATION_COLUMNS,
    Column,
    checklist_columns,
    checklist_rows,
)
from zhinan.sheets.encode import LIST_CSVS, checklist_csv, csv_bytes, empty_list_csv, xlsx_bytes
from zhinan.sheets.stage import build

__all__ = ["ALL_SECTORS_TITLE", "CHECKLIST_SHEET", "FINDING_COLUMNS", "LIST_CSVS", "RECTIFICATION_COLUMNS", "Column",
           "build", "checklist_columns", "checklist_csv", "checklist_rows", "csv_bytes", "empty_list_csv",
           "xlsx_bytes"]
