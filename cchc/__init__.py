"""Shared settings, domain calendar and pseudonymisation for the CCHC warehouse."""
