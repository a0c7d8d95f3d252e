// The result map: catchments, schools sized by enrolment and coloured by utilisation,
// boarding flows, blocks (click one to edit it), an uploaded boundary layer and an optional
// basemap from the server's settings. Uses the Leaflet vendored in geo/static/leaflet.
import { fmt, pct, t } from "./i18n.js";

const UTIL = [[0.6, "#1a9850"], [0.85, "#91cf60"], [1.0, "#fee08b"], [1.1, "#fc8d59"],
  [Infinity, "#d73027"]];
let map = null;
let groups = {};
let index = { school: {}, block: {} };
let boundary = null;
let highlighted = null;
let layerControl = null;
let onBlockClick = () => {};

export function utilColor(u) {
  for (const [upper, color] of UTIL) if (u <= upper) return color;
  return UTIL[UTIL.length - 1][1];
}

export function initMap(config, blockHandler) {
  onBlockClick = blockHandler;
  map = L.map("map", { preferCanvas: false, zoomControl: true });
  map.setView([30, 110], 5);
  if (config.tile_url) {
    L.tileLayer(config.tile_url, { attribution: config.tile_attribution || "", maxZoom: 19 })
      .addTo(map);
  }
  L.control.scale({ imperial: false }).addTo(map);
  return map;
}

export function mapNote(config) {
  if (!config.tile_url) return t("wb.map.no_basemap");
  return config.tile_gcj02 ? t("wb.map.gcj02") : t("wb.map.basemap");
}

function popupOfSchool(p) {
  return `<b>${p.name || p.id}</b> (${p.id})<br>${t("wb.col.enrolment")}: ${fmt(p.enrolment, 0)}`
    + `<br>${t("wb.col.classes")}: ${fmt(p.classes, 0)} / ${t("wb.col.classrooms")}: `
    + `${fmt(p.classrooms, 0)}<br>${t("wb.col.utilisation")}: ${pct(p.utilisation)}`
    + `<br>${t("wb.col.boarders")}: ${fmt(p.boarders, 0)} / ${t("wb.col.beds")}: ${fmt(p.beds, 0)}`;
}

function popupOfBlock(p) {
  return `<b>${p.id}</b> ${p.township || ""}<br>${t("wb.col.pupils")}: ${fmt(p.pupils, 0)}`
    + `<br>${t("wb.level.primary")}: ${p.primary_school || "–"} (${fmt(p.primary_km)} km)`
    + `<br>${t("wb.level.junior")}: ${p.junior_school || "–"} (${fmt(p.junior_km)} km)`
    + `<br><i>${t("wb.map.click_block")}</i>`;
}

// name the feature's SVG element (data-school / data-block) once it is drawn
function tag(layer, kind, id) {
  layer.on("add", () => {
    const el = layer.getElement && layer.getElement();
    if (el) el.dataset[kind] = id;
  });
}

function schoolLayer(fc) {
  const most = Math.max(1, ...fc.features.map((f) => f.properties.enrolment || 0));
  return L.geoJSON(fc, {
    pointToLayer: (f, latlng) => {
      const marker = L.circleMarker(latlng, {
        radius: 5 + 17 * Math.sqrt((f.properties.enrolment || 0) / most),
        color: "#333", weight: 1, fillColor: utilColor(f.properties.utilisation || 0),
        fillOpacity: 0.9 });
      index.school[f.properties.id] = marker;
      tag(marker, "school", f.properties.id);
      marker.bindPopup(popupOfSchool(f.properties));
      marker.bindTooltip(f.properties.name || f.properties.id);
      return marker;
    },
  });
}

function blockLayer(fc) {
  const draw = (f, layer) => {
    index.block[f.properties.id] = layer;
    tag(layer, "block", f.properties.id);
    layer.bindPopup(popupOfBlock(f.properties));
    layer.on("click", () => onBlockClick(f.properties.id));
  };
  return L.geoJSON(fc, {
    pointToLayer: (f, latlng) => L.circleMarker(latlng, {
      radius: 3, color: "#555", weight: 1, fillColor: "#fff", fillOpacity: 0.8 }),
    style: () => ({ color: "#777", weight: 0.5, fillOpacity: 0 }),
    onEachFeature: draw,
  });
}

// show the layers of one job (layers.json); fits the view to them
export function showLayers(layers) {
  for (const g of Object.values(groups)) map.removeLayer(g);
  groups = {};
  index = { school: {}, block: {} };
  highlighted = null;
  const control = {};
  for (const level of ["primary", "junior"]) {
    const part = { ...layers.catchments,
      features: layers.catchments.features.filter((f) => f.properties.level === level) };
    if (!part.features.length) continue;
    groups[`c-${level}`] = L.geoJSON(part, {
      style: (f) => ({ color: "#444", weight: 1, fillColor: f.properties.fill || "#9ecae1",
        fillOpacity: 0.35 }),
      onEachFeature: (f, layer) => layer.bindTooltip(
        `${f.properties.school_name || f.properties.school} (${t(`wb.level.${level}`)}): `
        + `${fmt(f.properties.pupils, 0)} ${t("wb.col.pupils")}`),
    });
    control[t(`wb.map.catchments_${level}`)] = groups[`c-${level}`];
  }
  groups.flows = L.geoJSON(layers.flows, { style: { color: "#6a3d9a", weight: 1.5,
    dashArray: "4 3" } });
  groups.blocks = blockLayer(layers.blocks);
  groups.schools = schoolLayer(layers.schools);
  control[t("wb.map.flows")] = groups.flows;
  control[t("wb.map.blocks")] = groups.blocks;
  control[t("wb.map.schools")] = groups.schools;
  const first = Object.keys(groups).find((k) => k.startsWith("c-"));
  for (const [key, g] of Object.entries(groups)) {
    if (key === first || !key.startsWith("c-")) g.addTo(map);
  }
  if (layerControl) map.removeControl(layerControl);
  layerControl = L.control.layers(null, control, { collapsed: false }).addTo(map);
  setTimeout(() => {
    map.invalidateSize();
    const bounds = groups.schools.getBounds().extend(groups.blocks.getBounds());
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20] });
  }, 0);
}

export function setBoundary(geojson) {
  if (boundary) map.removeLayer(boundary);
  boundary = L.geoJSON(geojson, { style: { color: "#000", weight: 2, fill: false,
    dashArray: "6 4" }, interactive: false }).addTo(map);
}

// make one school or block stand out and bring it into view
export function highlight(kind, id) {
  if (highlighted) highlighted.layer.setStyle(highlighted.style);
  const layer = index[kind][id];
  if (!layer) return false;
  highlighted = { layer, style: { color: layer.options.color, weight: layer.options.weight } };
  layer.setStyle({ color: "#00bfff", weight: 4 });
  if (layer.bringToFront) layer.bringToFront();
  const where = layer.getLatLng ? layer.getLatLng() : layer.getBounds().getCenter();
  map.panTo(where);
  layer.openPopup();
  return true;
}

export function refreshSize() { if (map) map.invalidateSize(); }
