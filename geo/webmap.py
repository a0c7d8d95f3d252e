"""An interactive HTML map that works offline: Leaflet (vendored in geo/static, BSD-2) and
the data are inlined into one file; no tiles, no CDN, no network request.

Shows catchments per level (toggle in the layer control), schools as circles sized by
enrolment and coloured by utilisation with a popup (enrolment, classes, largest class,
boarders / beds), boarding flows, blocks, and a legend. `map.html#school=ID` opens that
school's popup. Text from the data is escaped before it reaches the page.
"""

from __future__ import annotations

import base64
import html
import json
from importlib.resources import files
from pathlib import Path

from geopandas import GeoDataFrame

from .export import UTILISATION_CLASSES, color_catchments, utilisation_color
from .io import write_atomically

STATIC = files("geo") / "static" / "leaflet"


def vendored_assets() -> tuple[str, str]:
    """Leaflet's CSS (its images inlined as data URIs) and JS, with the license header."""
    css = (STATIC / "leaflet.css").read_text(encoding="utf-8")
    for name in ("layers.png", "layers-2x.png"):
        data = base64.b64encode((STATIC / "images" / name).read_bytes()).decode()
        css = css.replace(f"url(images/{name})", f"url(data:image/png;base64,{data})")
    css = css.replace("url(images/marker-icon.png)", "none")
    js = (STATIC / "leaflet.js").read_text(encoding="utf-8")
    license_text = (STATIC / "LICENSE").read_text(encoding="utf-8")
    return css, f"/*\n{license_text}*/\n{js}"


def to_geojson(frame: GeoDataFrame, digits: int = 6) -> dict:
    """A GeoJSON FeatureCollection (WGS84) with coordinates rounded to `digits`."""
    import shapely

    g = frame.to_crs("EPSG:4326")
    g = g.set_geometry(shapely.set_precision(g.geometry.values, 10.0 ** -digits))
    return json.loads(g.to_json(drop_id=True, na="null"))


PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{css}</style>
<style>
html, body, #map {{ height: 100%; margin: 0; background: #f4f4f0; }}
body {{ font: 13px/1.4 system-ui, "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }}
.legend {{ background: #fff; padding: 8px 10px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,.3); }}
.legend i {{ display: inline-block; width: 12px; height: 12px; margin-right: 6px;
  border: 1px solid #333; border-radius: 50%; vertical-align: middle; }}
.legend .flow {{ border: 0; border-radius: 0; height: 3px; background: #4a1486; }}
.legend .catch {{ border-radius: 0; background: #bebada; }}
.title {{ background: #fff; padding: 6px 10px; font-size: 15px; font-weight: 600; }}
.school-popup td {{ padding: 1px 6px 1px 0; }}
</style>
<script>{js}</script>
</head><body><div id="map"></div>
<script>
const DATA = {data};
const UTIL = {util};
function esc(s) {{ const d = document.createElement("div"); d.textContent = s == null ? "" :
  String(s); return d.innerHTML; }}
const map = L.map("map", {{preferCanvas: false, attributionControl: true}});
map.attributionControl.setPrefix("Leaflet (BSD-2)");
const overlays = {{}};
const bounds = L.latLngBounds([]);
for (const level of DATA.levels) {{
  const layer = L.geoJSON(DATA.catchments, {{
    filter: f => f.properties.level === level, className: "catchment",
    style: f => ({{color: "#555", weight: 1, fillColor: f.properties.color, fillOpacity: 0.6}}),
    onEachFeature: (f, l) => {{ l.bindTooltip(
      esc(f.properties.school_name || f.properties.school) + " (" + level + "): " +
      f.properties.pupils + " pupils, " + f.properties.blocks + " blocks, " +
      f.properties.parts + " part(s)"); }}
  }});
  overlays[level + " catchments"] = layer;
  if (level === DATA.levels[0]) layer.addTo(map);
  if (layer.getLayers().length) bounds.extend(layer.getBounds());
}}
for (const level of DATA.levels) {{
  const flows = L.geoJSON(DATA.flows, {{filter: f => f.properties.level === level,
    style: f => ({{color: "#4a1486", opacity: 0.55,
    weight: 1 + 4 * f.properties.boarders / DATA.max_boarders}}),
    onEachFeature: (f, l) => l.bindTooltip(esc(f.properties.block) + " \u2192 " +
      esc(f.properties.school) + ": " + f.properties.boarders + " boarders, " +
      f.properties.distance_km + " km")}});
  overlays[level + " boarding flows"] = flows;
  if (level === DATA.levels[0]) flows.addTo(map);
}}
const blocks = L.geoJSON(DATA.blocks, {{
  pointToLayer: (f, ll) => L.circleMarker(ll, {{radius: 2, color: "#666", weight: 0,
    fillOpacity: 0.6, renderer: L.canvas()}}),
  style: f => ({{color: "#777", weight: 0.5, fill: false}})}});
overlays["blocks"] = blocks;
const byId = {{}};
const schools = L.geoJSON(DATA.schools, {{
  pointToLayer: (f, ll) => L.circleMarker(ll, {{radius: 4 + 14 * Math.sqrt(
    f.properties.enrolment / DATA.max_enrolment), color: "#222", weight: 1,
    fillColor: f.properties.color, fillOpacity: 0.95, className: "school"}}),
  onEachFeature: (f, l) => {{
    const p = f.properties;
    byId[p.id] = l;
    l.bindPopup('<table class="school-popup"><tr><th colspan="2">' + esc(p.name || p.id) +
      ' <small>(' + esc(p.id) + ', ' + esc(p.kind) + ')</small></th></tr>' +
      '<tr><td>enrolment</td><td>' + p.enrolment + ' / cap ' + p.size_cap + '</td></tr>' +
      '<tr><td>classes</td><td>' + p.classes + ' in ' + p.classrooms + ' classrooms (' +
      Math.round(100 * p.utilisation) + '%)</td></tr>' +
      '<tr><td>max class size</td><td>' + p.max_class_size + '</td></tr>' +
      '<tr><td>boarders / beds</td><td>' + p.boarders + ' / ' + p.beds + '</td></tr>' +
      (p.classrooms_added || p.beds_added ? '<tr><td>to build</td><td>' +
        (p.classrooms_added || 0) + ' classrooms, ' + (p.beds_added || 0) + ' beds (' +
        Math.round(p.investment_yuan || 0).toLocaleString() + ' yuan)</td></tr>' : '') +
      '</table>');
  }}
}}).addTo(map);
overlays["schools"] = schools;
if (schools.getLayers().length) bounds.extend(schools.getBounds());
if (bounds.isValid()) map.fitBounds(bounds, {{padding: [10, 10]}}); else map.setView([0, 0], 2);
L.control.layers(null, overlays, {{collapsed: false}}).addTo(map);
const legend = L.control({{position: "bottomleft"}});
legend.onAdd = () => {{
  const d = L.DomUtil.create("div", "legend");
  d.innerHTML = "<b>school utilisation</b><br>" + UTIL.map(u => '<i style="background:' +
    u[0] + '"></i>' + esc(u[1])).join("<br>") + "<br>circle size: enrolment<br>" +
    '<i class="flow"></i>boarding flow<br><i class="catch"></i>catchment (colours tell ' +
    "neighbours apart)";
  return d;
}};
legend.addTo(map);
const head = L.control({{position: "topleft"}});
head.onAdd = () => {{ const d = L.DomUtil.create("div", "title"); d.textContent = DATA.title;
  return d; }};
head.addTo(map);
function openFromHash() {{
  const m = /school=([^&]+)/.exec(decodeURIComponent(location.hash));
  if (m && byId[m[1]]) {{ map.setView(byId[m[1]].getLatLng(), Math.max(map.getZoom(), 13));
    byId[m[1]].openPopup(); }}
}}
window.addEventListener("hashchange", openFromHash);
openFromHash();
document.body.setAttribute("data-ready", "1");
</script></body></html>
"""


def render_html(layers: dict[str, GeoDataFrame], path: str | Path, title: str) -> Path:
    """Write the offline interactive map (`map_page`) to `path` atomically."""
    text = map_page(layers, title)
    return write_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def map_page(layers: dict[str, GeoDataFrame], title: str) -> str:
    """The offline interactive map: one self-contained HTML page (Leaflet and data inline).

    `layers` needs catchments (school, level, pupils, blocks, parts), schools (id, name,
    kind, enrolment, size_cap, classes, classrooms, utilisation, max_class_size, boarders,
    beds), and optionally flows (block, school, level, boarders, distance_km) and blocks.
    """
    cat = layers["catchments"].copy()
    cat["color"] = color_catchments(cat)
    sch = layers["schools"].copy()
    sch["color"] = [utilisation_color(u) for u in sch["utilisation"]]
    if "name" in sch:
        names = dict(zip(sch["id"], sch["name"], strict=True))
        cat["school_name"] = [names.get(s) for s in cat["school"]]
    flows = layers.get("flows")
    blocks = layers.get("blocks")
    levels = [lv for lv in ("primary", "junior") if (cat["level"] == lv).any()]
    data = {
        "title": title, "levels": levels,
        "catchments": to_geojson(cat),
        "schools": to_geojson(sch),
        "flows": to_geojson(flows) if flows is not None and len(flows) else
        {"type": "FeatureCollection", "features": []},
        "blocks": to_geojson(blocks[["id", blocks.geometry.name]]) if blocks is not None
        and len(blocks) else {"type": "FeatureCollection", "features": []},
        "max_enrolment": max(int(sch["enrolment"].max()), 1) if len(sch) else 1,
        "max_boarders": max(int(flows["boarders"].max()), 1) if flows is not None
        and len(flows) else 1,
    }
    css, js = vendored_assets()
    return PAGE.format(
        title=html.escape(title), css=css, js=js,
        data=json.dumps(data, ensure_ascii=False).replace("</", "<\\/"),
        util=json.dumps([[c, lab] for _, c, lab in UTILISATION_CLASSES]))
