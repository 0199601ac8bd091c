// Draws the districts of a GeoJSON FeatureCollection as SVG paths (no map library, no tiles):
// an equirectangular projection scaled by cos(latitude), which is accurate enough at Mersin's size.
const SVG = 'http://www.w3.org/2000/svg';

function rings(geometry) {
  if (geometry.type === 'Polygon') return geometry.coordinates;
  if (geometry.type === 'MultiPolygon') return geometry.coordinates.flat();
  return [];
}

export function districtName(feature) {
  const p = feature.properties || {};
  return p.name || p.ilceadi || '';
}

// Returns {name: pathElement}.
export function drawMap(svg, geojson, width, height, onClick) {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const f of geojson.features) {
    for (const ring of rings(f.geometry)) {
      for (const [lon, lat] of ring) {
        minX = Math.min(minX, lon); maxX = Math.max(maxX, lon);
        minY = Math.min(minY, lat); maxY = Math.max(maxY, lat);
      }
    }
  }
  const k = Math.cos(((minY + maxY) / 2) * Math.PI / 180);
  const scale = Math.min((width - 10) / ((maxX - minX) * k), (height - 10) / (maxY - minY));
  const x = (lon) => 5 + (lon - minX) * k * scale;
  const y = (lat) => 5 + (maxY - lat) * scale;
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.replaceChildren();
  const paths = {};
  for (const f of geojson.features) {
    const name = districtName(f);
    const d = rings(f.geometry)
      .map((ring) => 'M' + ring.map(([lon, lat]) => `${x(lon).toFixed(1)},${y(lat).toFixed(1)}`).join('L') + 'Z')
      .join('');
    const path = document.createElementNS(SVG, 'path');
    path.setAttribute('d', d);
    path.setAttribute('class', 'district');
    path.dataset.district = name;
    const title = document.createElementNS(SVG, 'title');
    title.textContent = name;
    path.appendChild(title);
    path.addEventListener('click', () => onClick(name));
    svg.appendChild(path);
    paths[name] = path;
  }
  return paths;
}

const SHADES = ['#fde0dd', '#fcc5c0', '#fa9fb5', '#f768a1', '#c51b8a', '#7a0177'];

// Colours each district by `value(name)`; returns the legend's breaks.
export function colourMap(paths, value) {
  const values = Object.keys(paths).map(value).filter((v) => v > 0);
  const max = values.length ? Math.max(...values) : 0;
  for (const [name, path] of Object.entries(paths)) {
    const v = value(name);
    const i = max > 0 && v > 0 ? Math.min(SHADES.length - 1, Math.floor((v / max) * (SHADES.length - 1) + 0.5)) : -1;
    path.style.fill = i < 0 ? '#f4f4f4' : SHADES[i];
    path.dataset.value = String(v);
    path.querySelector('title').textContent = `${name}: ${v.toFixed(1)}`;
  }
  return { max, shades: SHADES };
}
