"""A small tree of an HTML page, read with the standard library, for the HTML report tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"})


@dataclass
class Node:
    """An element: its tag, attributes, and children (elements or text)."""

    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        """Its class names."""
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        """All the text under it, joined and with spaces collapsed."""
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return " ".join("".join(parts).split())

    def walk(self) -> Iterator[Node]:
        """Every element under it, in document order."""
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.walk()

    def all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        """Elements under it with this tag and class (either may be left out)."""
        return [
            n
            for n in self.walk()
            if (tag is None or n.tag == tag) and (cls is None or cls in n.classes)
        ]

    def one(self, tag: str | None = None, cls: str | None = None) -> Node:
        """The only element under it with this tag and class."""
        found = self.all(tag, cls)
        assert len(found) == 1, f"{len(found)} <{tag} class={cls}> found"
        return found[0]

    def elements(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        """Its element children, with this tag and class (either may be left out)."""
        return [
            c
            for c in self.children
            if isinstance(c, Node)
            and (tag is None or c.tag == tag)
            and (cls is None or cls in c.classes)
        ]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.root = Node("#document", {})
        self._open = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self._open[-1].children.append(node)
        if tag not in VOID:
            self._open.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        assert self._open[-1].tag == tag, f"</{tag}> closes <{self._open[-1].tag}>"
        self._open.pop()

    def handle_data(self, data: str) -> None:
        self._open[-1].children.append(data)


def parse_page(text: str) -> Node:
    """The page as a tree; fails on an element closed out of order."""
    builder = _Builder()
    builder.feed(text)
    builder.close()
    assert builder._open == [builder.root], "unclosed elements"
    return builder.root


@dataclass(frozen=True)
class EngagementPart:
    """What one engagement section of the report shows, as text."""

    overall: str
    #: Sector labels in the order of the rate chart's bars, then of the table's rows.
    chart_sectors: list[str]
    table_sectors: list[str]
    #: Sector -> header and cells of the sector's row.
    rows: dict[str, list[str]]
    header: list[str]
    total: list[str]
    #: Sector -> the cells of each listed dossier (none when the lists are left out).
    late: dict[str, list[list[str]]]
    node: Node


def engagement_parts(page: Node) -> dict[int, EngagementPart]:
    """Each engagement section of a report page, by engagement number."""
    found = {}
    for section in page.all("section", "engagement"):
        number = int(section.attrs["id"].removeprefix("engagement-"))
        overall = section.all("div", "overall")
        rate = overall[0].all("span", "rate") if overall else []
        tables = section.all("table", "sectors")
        if not tables:
            found[number] = EngagementPart("", [], [], {}, [], [], {}, section)
            continue
        table = tables[0]
        rows, late = {}, {}
        for body in table.elements("tbody", "sector"):
            sector = body.attrs["data-sector"]
            first = body.elements()[0]
            rows[sector] = [c.text() for c in first.elements()]
            listed = body.all("table", "late")
            if listed:
                late[sector] = [
                    [c.text() for c in tr.elements()] for tr in listed[0].one("tbody").all("tr")
                ]
        header = [c.text() for c in table.elements("thead")[0].elements()[0].elements()]
        totals = table.elements("tbody", "total")
        total = [c.text() for c in totals[0].one("tr").elements()] if totals else []
        chart = section.all("svg", "rate")
        found[number] = EngagementPart(
            overall=rate[0].text() if rate else "",
            chart_sectors=[t.text() for t in chart[0].all("text", "sector")] if chart else [],
            table_sectors=[b.attrs["data-sector"] for b in table.elements("tbody", "sector")],
            rows=rows,
            header=header,
            total=total,
            late=late,
            node=section,
        )
    return found
