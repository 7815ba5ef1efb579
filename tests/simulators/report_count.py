"""Kept for imports from tests: the independent report count now lives in simulators.report_count."""

from simulators.report_count import (
                                     certificate_figures,
                                     district_figures,
                                     document_figures,
                                     flatten,
                                     ward_figures,
)

__all__ = ["certificate_figures", "district_figures", "document_figures", "flatten", "ward_figures"]
