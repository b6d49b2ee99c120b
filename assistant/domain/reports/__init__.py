"""Seller reports into KPI values: Amazon Ads, Business Report, Shopify orders and sessions, FBA inventory.

``detect`` tells a file's kind from its header; one parser module per report family reduces
its rows to per-day sums (``parsed``); ``metrics`` holds the vocabulary a KPI's ``metric``
names and turns sums into a period's value; ``importer`` checks a whole command and applies
it; ``store`` keeps the totals and says where a value came from. Import from the modules
(this package re-exports nothing, so the metric vocabulary loads without the importer).
"""
