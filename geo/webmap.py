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
from typing import Any

from geopandas import GeoDataFrame

from .export import UTILISATION_CLASSES, color_catchments, map_labels, utilisation_color
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
<html lang="{lang}"><head><meta charset="utf-8">
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
const T = {labels};
function fill(s, o) {{ return s.replace(/\\{{(\\w+)\\}}/g, (m, k) => k in o ? o[k] : m); }}
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
    onEachFeature: (f, l) => {{ l.bindTooltip(fill(T.catchment_tip, {{
      school: esc(f.properties.school_name || f.properties.school), level: T["level." + level],
      pupils: f.properties.pupils, blocks: f.properties.blocks, parts: f.properties.parts}})); }}
  }});
  overlays[fill(T.catchments_of, {{level: T["level." + level]}})] = layer;
  if (level === DATA.levels[0]) layer.addTo(map);
  if (layer.getLayers().length) bounds.extend(layer.getBounds());
}}
for (const level of DATA.levels) {{
  const flows = L.geoJSON(DATA.flows, {{filter: f => f.properties.level === level,
    style: f => ({{color: "#4a1486", opacity: 0.55,
    weight: 1 + 4 * f.properties.boarders / DATA.max_boarders}}),
    onEachFeature: (f, l) => l.bindTooltip(fill(T.flow_tip, {{block: esc(f.properties.block),
      school: esc(f.properties.school), boarders: f.properties.boarders,
      km: f.properties.distance_km}}))}});
  overlays[fill(T.flows_of, {{level: T["level." + level]}})] = flows;
  if (level === DATA.levels[0]) flows.addTo(map);
}}
const blocks = L.geoJSON(DATA.blocks, {{
  pointToLayer: (f, ll) => L.circleMarker(ll, {{radius: 2, color: "#666", weight: 0,
    fillOpacity: 0.6, renderer: L.canvas()}}),
  style: f => ({{color: "#777", weight: 0.5, fill: false}})}});
overlays[T.blocks] = blocks;
const byId = {{}};
const schools = L.geoJSON(DATA.schools, {{
  pointToLayer: (f, ll) => L.circleMarker(ll, {{radius: 4 + 14 * Math.sqrt(
    f.properties.enrolment / DATA.max_enrolment), color: "#222", weight: 1,
    fillColor: f.properties.color, fillOpacity: 0.95, className: "school"}}),
  onEachFeature: (f, l) => {{
    const p = f.properties;
    byId[p.id] = l;
    l.bindPopup('<table class="school-popup"><tr><th colspan="2">' + esc(p.name || p.id) +
      ' <small>(' + esc(p.id) + ', ' + esc(T["kind." + p.kind] || p.kind) +
      ')</small></th></tr><tr><td>' + esc(T["popup.enrolment"]) + '</td><td>' +
      esc(fill(T["popup.enrolment_value"], {{enrolment: p.enrolment, cap: p.size_cap}})) +
      '</td></tr><tr><td>' + esc(T["popup.classes"]) + '</td><td>' +
      esc(fill(T["popup.classes_value"], {{classes: p.classes, classrooms: p.classrooms,
        pct: Math.round(100 * p.utilisation)}})) + '</td></tr>' +
      '<tr><td>' + esc(T["popup.max_class"]) + '</td><td>' + p.max_class_size + '</td></tr>' +
      '<tr><td>' + esc(T["popup.boarders_beds"]) + '</td><td>' + p.boarders + ' / ' +
      p.beds + '</td></tr>' +
      (p.classrooms_added || p.beds_added ? '<tr><td>' + esc(T["popup.to_build"]) +
        '</td><td>' + esc(fill(T["popup.to_build_value"], {{classrooms: p.classrooms_added || 0,
        beds: p.beds_added || 0, yuan: Math.round(p.investment_yuan || 0).toLocaleString()}})) +
        '</td></tr>' : '') + '</table>');
  }}
}}).addTo(map);
overlays[T.schools] = schools;
if (schools.getLayers().length) bounds.extend(schools.getBounds());
if (bounds.isValid()) map.fitBounds(bounds, {{padding: [10, 10]}}); else map.setView([0, 0], 2);
L.control.layers(null, overlays, {{collapsed: false}}).addTo(map);
const legend = L.control({{position: "bottomleft"}});
legend.onAdd = () => {{
  const d = L.DomUtil.create("div", "legend");
  d.innerHTML = "<b>" + esc(T.util_title) + "</b><br>" + UTIL.map(u => '<i style="background:' +
    u[0] + '"></i>' + esc(u[1])).join("<br>") + "<br>" + esc(T.size_note) + "<br>" +
    '<i class="flow"></i>' + esc(T.boarding_flow) + '<br><i class="catch"></i>' +
    esc(T.catchment_note);
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


def render_html(layers: dict[str, GeoDataFrame], path: str | Path, title: str,
                labels: dict[str, Any] | None = None) -> Path:
    """Write the offline interactive map (`map_page`) to `path` atomically."""
    text = map_page(layers, title, labels)
    return write_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def map_page(layers: dict[str, GeoDataFrame], title: str,
             labels: dict[str, Any] | None = None) -> str:
    """The offline interactive map: one self-contained HTML page (Leaflet and data inline),
    its legend, layer names, tooltips and popups in the language of `labels` (keys of
    `geo.export.LABELS`, plus `kind.<kind>` names; default English).

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
    texts = map_labels(labels)
    css, js = vendored_assets()
    return PAGE.format(
        title=html.escape(title), css=css, js=js, lang=html.escape(str(texts["lang"])),
        data=json.dumps(data, ensure_ascii=False).replace("</", "<\\/"),
        labels=json.dumps({k: v for k, v in texts.items() if k != "util"},
                          ensure_ascii=False).replace("</", "<\\/"),
        util=json.dumps([[c, lab] for (_, c, _), lab in zip(UTILISATION_CLASSES,
                                                            texts["util"], strict=True)],
                        ensure_ascii=False).replace("</", "<\\/"))
