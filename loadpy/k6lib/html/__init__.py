"""k6/html: `parse_html(src)` → Selection, with goquery's traversal and x/net/html's rendering."""

from loadpy.k6lib.html.element import Attribute, Element
from loadpy.k6lib.html.selection import Selection, parse_html

__all__ = ["Attribute", "Element", "Selection", "parse_html"]
