"""Server-side SVG rendering of BPMN diagrams (app/web/diagram.py). Pure functions: no database."""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from app.bpmn.svg import render_svg

BPMN_DIR = Path(__file__).resolve().parent.parent / "bpmn"
REAL = ["standard_permit.bpmn", "major_decision.bpmn"]

SVG = "http://www.w3.org/2000/svg"
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
NS = {"s": SVG, "bpmn": BPMN, "dc": DC, "di": DI}


@pytest.fixture(autouse=True)
def clean_database():
    """Overrides the database-wiping autouse fixture of conftest.py: nothing here touches a database."""
    yield


def _svg(text: str) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)
    root = etree.fromstring(text.encode("utf-8"), parser)
    assert root.tag == f"{{{SVG}}}svg"
    return root


def _bpmn(name: str) -> bytes:
    return (BPMN_DIR / name).read_bytes()


def _flow_nodes(bpmn: bytes) -> dict[str, str]:
    root = etree.fromstring(bpmn)
    out = {}
    for proc in root.findall("bpmn:process", NS):
        for el in proc:
            if not isinstance(el.tag, str):
                continue
            local = etree.QName(el).localname
            if local.endswith(("Task", "Event", "Gateway")) or local in ("task", "callActivity", "subProcess"):
                out[el.get("id")] = local
    return out


def _groups(svg: etree._Element, element_id: str) -> list[etree._Element]:
    return svg.xpath("//s:g[@data-element-id=$i]", namespaces=NS, i=element_id)


def _node(svg: etree._Element, element_id: str) -> etree._Element:
    found = _groups(svg, element_id)
    assert len(found) == 1, (element_id, len(found))
    return found[0]


def _state(group: etree._Element) -> str:
    classes = group.get("class").split()
    states = [c for c in classes if c in ("done", "current", "todo")]
    assert len(states) == 1, classes
    return states[0]


def _points(attr: str) -> list[tuple[float, float]]:
    return [tuple(float(v) for v in p.split(",")) for p in attr.split()]


def _mini(names: dict[str, str] | None = None, with_di: bool = True, labels: bool = True) -> bytes:
    """A small process: start -> task -> gateway -> end; names overridable by id."""
    n = {"start": "开始", "task": "办理", "gw": "是否通过", "end": "结束", "f1": "", "f2": "", "f3": "通过"}
    n.update(names or {})

    def attr(key):
        return f' name="{n[key]}"' if n[key] else ""

    di = f"""
  <bpmndi:BPMNDiagram id="d"><bpmndi:BPMNPlane id="p" bpmnElement="proc">
    <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="100" y="100" width="36" height="36"/>
      {'<bpmndi:BPMNLabel><dc:Bounds x="90" y="142" width="56" height="14"/></bpmndi:BPMNLabel>' if labels else ''}
    </bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="task_di" bpmnElement="task"><dc:Bounds x="200" y="78" width="100" height="80"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="gw_di" bpmnElement="gw" isMarkerVisible="true"><dc:Bounds x="350" y="93" width="50" height="50"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="end_di" bpmnElement="end"><dc:Bounds x="460" y="100" width="36" height="36"/></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="136" y="118"/><di:waypoint x="200" y="118"/></bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2"><di:waypoint x="300" y="118"/><di:waypoint x="350" y="118"/></bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="f3_di" bpmnElement="f3"><di:waypoint x="400" y="118"/><di:waypoint x="460" y="118"/></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>""" if with_di else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN}" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
    xmlns:dc="{DC}" xmlns:di="{DI}" id="defs" targetNamespace="urn:test">
  <bpmn:process id="proc" isExecutable="true">
    <bpmn:startEvent id="start"{attr('start')}/>
    <bpmn:userTask id="task"{attr('task')}/>
    <bpmn:exclusiveGateway id="gw"{attr('gw')}/>
    <bpmn:endEvent id="end"{attr('end')}/>
    <bpmn:sequenceFlow id="f1"{attr('f1')} sourceRef="start" targetRef="task"/>
    <bpmn:sequenceFlow id="f2"{attr('f2')} sourceRef="task" targetRef="gw"/>
    <bpmn:sequenceFlow id="f3"{attr('f3')} sourceRef="gw" targetRef="end"/>
  </bpmn:process>{di}
</bpmn:definitions>""".encode("utf-8")


# ------------------------------------------------------------------------------------------ real diagrams


@pytest.mark.parametrize("filename", REAL)
def test_real_diagram_every_flow_node_drawn_once(filename):
    bpmn = _bpmn(filename)
    nodes = _flow_nodes(bpmn)
    assert len(nodes) >= 10  # the test would prove nothing on an empty list
    svg = _svg(render_svg(bpmn))
    for node_id, kind in nodes.items():
        group = _node(svg, node_id)
        assert group.get("class") == "bpmn-node todo"
        assert group.get("data-kind") == kind
        title = group.find("s:title", NS)
        assert title is not None and title.text
    all_ids = svg.xpath("//@data-element-id")
    for node_id in nodes:
        assert all_ids.count(node_id) == 1


@pytest.mark.parametrize("filename", REAL)
def test_real_diagram_every_sequence_flow_is_an_edge(filename):
    bpmn = _bpmn(filename)
    model = etree.fromstring(bpmn)
    flows = model.findall(".//bpmn:sequenceFlow", NS)
    assert len(flows) >= 10
    svg = _svg(render_svg(bpmn))
    for flow in flows:
        fid = flow.get("id")
        group = _node(svg, fid)
        assert group.get("class") == "bpmn-edge todo"
        waypoints = [(float(w.get("x")), float(w.get("y")))
                     for w in model.xpath("//bpmndi:BPMNEdge[@bpmnElement=$f]/di:waypoint", f=fid,
                                          namespaces={**NS, "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"})]
        line = _points(group.find("s:polyline", NS).get("points"))
        assert len(line) == len(waypoints) >= 2
        assert line[:-1] == waypoints[:-1]
        # the arrowhead's tip is exactly the last waypoint, on the target's border
        arrow = _points(group.find("s:polygon[@class='bpmn-arrow']", NS).get("points"))
        assert arrow[0] == waypoints[-1]
        if flow.get("name"):
            texts = "".join(group.find("s:text", NS).itertext())
            assert texts == flow.get("name")


@pytest.mark.parametrize("filename", REAL)
def test_real_diagram_pool_lanes_and_viewbox(filename):
    bpmn = _bpmn(filename)
    model = etree.fromstring(bpmn)
    svg = _svg(render_svg(bpmn))
    for lane in model.findall(".//bpmn:lane", NS):
        group = _node(svg, lane.get("id"))
        assert group.get("class") == "bpmn-lane"
        # the lane's name is written (upright characters, one per tspan)
        assert "".join(group.find("s:text", NS).itertext()) == lane.get("name")
    participant = model.find(".//bpmn:participant", NS)
    assert _node(svg, participant.get("id")).get("class") == "bpmn-pool"
    assert svg.find("s:title", NS).text == participant.get("name")

    x0, y0, w, h = (float(v) for v in svg.get("viewBox").split())
    assert (float(svg.get("width")), float(svg.get("height"))) == (w, h)
    for b in model.iter(f"{{{DC}}}Bounds"):
        x, y, bw, bh = (float(b.get(k)) for k in ("x", "y", "width", "height"))
        assert x0 < x and y0 < y and x + bw < x0 + w and y + bh < y0 + h


def test_real_diagram_marks_task_kinds():
    svg = _svg(render_svg(_bpmn("standard_permit.bpmn")))
    # user tasks and the business rule task have a small icon; the call activity a thick border and "+"
    for task in ("receive", "review", "decide"):
        assert _node(svg, task).find("s:g[@class='bpmn-icon']", NS) is not None
    assert _node(svg, "classify").find("s:g[@class='bpmn-icon']", NS) is not None
    call = _node(svg, "call_major_decision")
    assert float(call.find("s:rect", NS).get("stroke-width")) >= 3
    assert any("v8" in (p.get("d") or "") for p in call.findall("s:path", NS))
    # end events are thick, start events are not
    assert float(_node(svg, "end_done").find("s:circle", NS).get("stroke-width")) >= 3
    assert float(_node(svg, "start").find("s:circle", NS).get("stroke-width")) < 3
    # an exclusive gateway is a diamond with an X
    gw = _node(svg, "gw_major")
    assert len(_points(gw.find("s:polygon", NS).get("points"))) == 4
    assert gw.find("s:path", NS) is not None
    assert "".join(gw.find("s:text", NS).itertext()) == "是否重大"


# ------------------------------------------------------------------------------------------ highlighting


def test_completed_and_current_apply_to_exactly_the_given_ids():
    bpmn = _bpmn("standard_permit.bpmn")
    done = {"start", "gw_receive_merge", "receive", "gw_intake", "flow_start", "flow_accept"}
    current = {"review", "flow_to_classify"}
    svg = _svg(render_svg(bpmn, completed=done, current=iter(current)))
    states = {g.get("data-element-id"): _state(g)
              for g in svg.xpath("//s:g[contains(@class,'bpmn-node') or contains(@class,'bpmn-edge')]",
                                 namespaces=NS)}
    assert {i for i, s in states.items() if s == "done"} == done
    assert {i for i, s in states.items() if s == "current"} == current
    assert len([s for s in states.values() if s == "todo"]) == len(states) - len(done) - len(current) > 20
    # the styles differ: a current node is drawn thicker and in another fill than a done or todo one
    fills = {i: _node(svg, i).xpath("s:rect[not(@fill='none')]", namespaces=NS)[0].get("fill")
             for i in ("receive", "review", "decide")}
    assert len(set(fills.values())) == 3


def test_current_wins_over_completed():
    svg = _svg(render_svg(_mini(), completed=["task"], current=["task"]))
    assert _node(svg, "task").get("class") == "bpmn-node current"


def test_counts_are_drawn_as_badges():
    svg = _svg(render_svg(_bpmn("standard_permit.bpmn"), counts={"review": 12, "decide": 3, "nowhere": 5}))
    for node_id, count in (("review", "12"), ("decide", "3")):
        badge = _node(svg, node_id).find(".//s:g[@class='bpmn-badge']", NS)
        assert badge is not None and badge.get("data-count") == count
        assert badge.find("s:text", NS).text == count
    assert len(svg.xpath("//s:g[@class='bpmn-badge']", namespaces=NS)) == 2


def test_link_wraps_node_in_anchor():
    links = {"review": "/cases?step=review&state=open", "decide": "javascript:alert(1)"}
    svg = _svg(render_svg(_bpmn("standard_permit.bpmn"), link=links.get))
    anchors = svg.xpath("//s:a", namespaces=NS)
    assert len(anchors) == 1
    a = anchors[0]
    assert a.get("href") == "/cases?step=review&state=open"
    assert a.getparent().get("data-element-id") == "review"
    assert a.find("s:rect", NS) is not None  # the shape itself is inside the link
    assert "javascript:" not in render_svg(_bpmn("standard_permit.bpmn"), link=links.get)


# ------------------------------------------------------------------------------------------ safety


def test_names_are_escaped():
    evil = '&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;'  # as written in the BPMN attribute
    bpmn = _mini({"task": evil, "gw": evil, "f3": evil})
    out = render_svg(bpmn, title='<script>x</script>"&', link=lambda i: '/x?a=1&b="2"')
    assert "<script" not in out.lower()
    svg = _svg(out)
    plain = '<script>alert(1)</script>&"'
    assert _node(svg, "task").find("s:title", NS).text == plain
    assert plain in "".join(_node(svg, "gw").itertext())
    assert svg.find("s:title", NS).text == '<script>x</script>"&'
    assert svg.xpath("//s:a/@href", namespaces=NS)[0] == '/x?a=1&b="2"'


def test_doctype_is_refused():
    bpmn = _mini()
    with_doctype = bpmn.replace(b"<bpmn:definitions", b'<!DOCTYPE x [<!ENTITY e "boom">]>\n<bpmn:definitions', 1)
    with pytest.raises(ValueError, match="DOCTYPE"):
        render_svg(with_doctype)
    # a UTF-16 document hides the DOCTYPE from a byte search; the parsed docinfo still shows it
    utf16 = with_doctype.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    with pytest.raises(ValueError, match="DOCTYPE"):
        render_svg(utf16)
    plain_utf16 = bpmn.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert "办理" in render_svg(plain_utf16)


def test_diagram_without_di_is_refused():
    with pytest.raises(ValueError, match="BPMNDI"):
        render_svg(_mini(with_di=False))


def test_not_xml_is_refused():
    with pytest.raises(ValueError, match="XML"):
        render_svg(b"<bpmn:definitions")


# ------------------------------------------------------------------------------------------ text layout


def test_long_names_wrap_inside_the_task():
    long_name = "重大执法决定法制审核并报请局领导集体讨论决定后送达"  # 25 characters
    svg = _svg(render_svg(_mini({"task": long_name})))
    task = _node(svg, "task")
    lines = [t.text for t in task.find("s:text", NS).findall("s:tspan", NS)]
    # (100 - 10) / 13 -> 6 characters a line, at most 3 lines, the rest cut with an ellipsis
    assert lines == ["重大执法决定", "法制审核并报", "请局领导集…"]
    assert task.find("s:title", NS).text == long_name  # the tooltip keeps the whole name
    short = _svg(render_svg(_mini({"task": "收件"})))
    assert [t.text for t in _node(short, "task").find("s:text", NS).findall("s:tspan", NS)] == ["收件"]


def test_labels_without_di_bounds_go_under_the_shape():
    svg = _svg(render_svg(_mini(labels=False)))
    start = _node(svg, "start")
    circle = start.find("s:circle", NS)
    bottom = float(circle.get("cy")) + float(circle.get("r"))
    text = start.find("s:text", NS)
    assert float(text.find("s:tspan", NS).get("y")) > bottom
    assert text.get("text-anchor") == "middle" and float(text.get("x")) == float(circle.get("cx"))
    # a flow name without label bounds sits near the middle of its edge
    tspan = _node(svg, "f3").find("s:text/s:tspan", NS)
    assert 400 < float(tspan.get("x")) < 460 and 90 < float(tspan.get("y")) < 118


def test_latin_names_wrap_at_spaces():
    svg = _svg(render_svg(_mini({"task": "Send notice to applicant", "gw": "Approved?"})))
    lines = [t.text for t in _node(svg, "task").find("s:text", NS).findall("s:tspan", NS)]
    assert lines == ["Send notice to", "applicant"]
    assert "".join(_node(svg, "gw").find("s:text", NS).itertext()) == "Approved?"
