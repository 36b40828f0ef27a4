"""The shared BPMN layer (app.bpmn): the one untrusted-XML parser and the parsed model the linter, the diff,
the designer pages and the service guide read."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.bpmn.model import read_decision_tables, read_process, read_process_steps
from app.bpmn.xml import UntrustedXmlError, parse_untrusted_xml

ROOT = Path(__file__).resolve().parents[1]
PERMIT = (ROOT / "bpmn" / "standard_permit.bpmn").read_bytes()
DMN = (ROOT / "rules" / "major_item.dmn").read_bytes()


@pytest.mark.parametrize("content, reason", [
    (b'<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>', "DOCTYPE"),
    (b"<x", "not well-formed XML"),
    (b"<x>" + b" " * 64 + b"</x>", "file too large"),
])
def test_refused_xml_says_why(content, reason):
    with pytest.raises(UntrustedXmlError, match=reason):
        parse_untrusted_xml(content, max_bytes=64)


def test_text_is_parsed_as_utf8():
    assert parse_untrusted_xml('<x name="收件"/>').get("name") == "收件"


def test_a_process_reads_as_drawn():
    proc = read_process(parse_untrusted_xml(PERMIT), "standard_permit", file="standard_permit.bpmn")
    assert proc.nodes["review"].kind == "review" and proc.lane_name("review") == "审查人员"
    assert proc.nodes["call_major_decision"].called == "major_decision"
    assert proc.defaults["gw_major"] == "flow_not_major"
    assert {f.target for f in proc.outgoing("gw_major")} == {"call_major_decision", "gw_decide_merge"}
    assert proc.order.index("receive") < proc.order.index("decide")
    assert read_process(parse_untrusted_xml(PERMIT), "no_such_process") is None


def test_a_decision_table_reads_with_its_rules():
    [table] = read_decision_tables(parse_untrusted_xml(DMN))
    assert [o.name for o in table.outputs] == ["is_major", "major_reason"]
    assert table.rules[-1].inputs == ["-"] * len(table.inputs)  # the catch-all row


def test_the_service_guide_steps():
    steps = read_process_steps(PERMIT, "standard_permit")
    assert steps[0] == ("收件", "窗口受理人员", False)
    assert ("重大执法决定法制审核", "审查人员", True) in steps  # a called process
    assert read_process_steps(PERMIT, "elsewhere") == steps  # the file's first process
