"""Survey rounds and their records: one person form per holder and one
community form per village a year, entered, corrected with a reason and
kept with their change history (第二十五条、第二十六条)."""
