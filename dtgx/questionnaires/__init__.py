"""Versioned form definitions: the person form (残疾人登记表) and the
community form (社区登记表), their items, code lists and skip logic.

The definitions are data files in ``forms/``; ``definitions`` loads and
validates them, ``expressions`` is the condition language they (and the audit
rules) are written in, ``relevance`` applies the skip logic to a record, and
``record_schema`` describes a record as JSON Schema.
"""
