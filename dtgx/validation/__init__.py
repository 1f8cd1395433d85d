"""Audit rules: the rule language applied to records (DESIGN.md §6).

A rule set is a versioned YAML file in ``rulesets/``; ``rules`` loads it,
``evaluate`` runs it on one record (on save), ``sql`` compiles it to one
query over the typed record columns (bulk), and ``lint`` finds rules that
are wrong or can never fire. The findings model comes later.
"""
