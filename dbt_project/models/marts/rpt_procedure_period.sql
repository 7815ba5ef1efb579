-- Report form II.06a figures per procedure (TTHC), unit, handling level and period.
{{ ii06a_report(['procedure_code']) }}
