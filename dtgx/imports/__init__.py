"""Spreadsheet templates and batch imports of person and community forms.

A clerk downloads a template generated from the form definition, fills it
in Excel or WPS and uploads it. The file is checked first (a dry run that
writes nothing) and every bad cell is listed; the clerk then chooses to
import the rows without problems or to hold the whole file. Rows are
written through the survey services, so an import gets the same locks,
change history and audit as entry on screen. Long files run as background
tasks (``django_tasks``) with a progress bar.
"""
