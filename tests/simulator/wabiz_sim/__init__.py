"""wabiz_sim: an HTTPS simulator of the WhatsApp Business API On-Premises webapp.

Layout: ``fleet`` (YAML loading and validation), ``model`` (state: clusters, nodes, users,
tokens, clock, faults, failover; no HTTP), ``api`` (endpoint logic returning transport-neutral
replies), ``app`` (aiohttp server and transport faults), ``certs`` (trustme CA and server
certificate), ``testing`` (pytest helpers), ``cli`` (``python -m wabiz_sim``).
"""

__version__ = '1.0.0'
