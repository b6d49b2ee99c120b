"""The playbook index: every section of the playbook, by document, each link opening its page."""

from __future__ import annotations

import html
import re

from assistant.retrieval.playbook import load_sections
from tests.web.conftest import sign_in


def test_the_index_lists_every_section_and_each_link_opens(client, tokens):
    sign_in(client, tokens["ppc@t.test"])  # a member reads the playbook too
    resp = client.get("/playbook")
    assert resp.status_code == 200
    links = re.findall(r'<a href="/playbook/([\w.-]+)">', resp.text)
    sections = load_sections()
    assert sorted(links) == sorted(s.id for s in sections) and len(sections) > 10
    headings = {html.unescape(h) for h in re.findall(r"<h2>(.*?)</h2>", resp.text)}
    assert headings == {s.doc_title for s in sections}
    section = client.get(f"/playbook/{links[0]}")
    assert section.status_code == 200 and 'href="/playbook">All of the playbook' in section.text
    assert '<a href="/playbook" aria-current="page">Playbook</a>' in section.text


def test_the_index_needs_sign_in(client):
    resp = client.get("/playbook", follow_redirects=False)
    assert resp.status_code in (303, 401) and "/signin" in resp.headers.get("location", "/signin")
