/* Corridor Tracker map script. Draws places from JSON data; every string from the
 * data goes into the page as text (textContent), never as HTML, and only http(s)
 * URLs become links. Loaded after leaflet.js; exposes window.TrackerMap. */
(function () {
  "use strict";
  var HTTP = /^https?:\/\/[^\s<>"'`\\]+$/i;
  var PAGE = /^(\.\.\/)?(place\/)?[A-Za-z0-9_.-]+\.html$/;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function when(iso) {
    return iso ? String(iso).replace("T", " ").slice(0, 16) + " UTC" : "";
  }

  function badge(text, color) {
    var b = el("span", "tr-badge", text);
    if (color && /^#[0-9a-fA-F]{6}$/.test(color)) b.style.background = color;
    return b;
  }

  function link(url, text) {
    if (url && HTTP.test(url)) {
      var a = el("a", null, text || url);
      a.href = url;
      a.rel = "noopener noreferrer nofollow";
      a.target = "_blank";
      return a;
    }
    return el("span", null, text || url || "");
  }

  function popupContent(p) {
    var box = el("div", "tr-popup");
    box.setAttribute("data-place-id", p.id);
    box.appendChild(el("div", "tr-name", p.name));
    box.appendChild(el("div", "tr-kind", p.kind + (p.countries && p.countries.length ?
      " \u00b7 " + p.countries.join(", ") : "")));
    var line = el("div", "tr-status");
    line.appendChild(badge(p.status, p.color));
    if (p.patrolled) line.appendChild(badge("patrolled", "#4575b4"));
    if (p.contested) line.appendChild(badge("contested", "#7b3294"));
    if (p.stale) line.appendChild(badge("stale", "#8c8c8c"));
    if (p.override) line.appendChild(badge("analyst override", "#333333"));
    box.appendChild(line);
    if (p.since) box.appendChild(el("div", "tr-since", "since " + when(p.since)));
    if (p.contest && p.contest.length) {
      var list = el("ul", "tr-contest");
      p.contest.forEach(function (pair) {
        var li = el("li");
        li.appendChild(el("b", null, pair[0] + ": "));
        li.appendChild(document.createTextNode(pair[1].join(", ")));
        list.appendChild(li);
      });
      box.appendChild(el("div", "tr-label", "Contested claims"));
      box.appendChild(list);
    } else if (p.claimants && p.claimants.length) {
      box.appendChild(el("div", "tr-claimants", "according to " + p.claimants.join(", ")));
    }
    var ev = p.evidence || {};
    if (ev.title || ev.url || ev.raw_url) {
      var evl = el("div", "tr-evidence");
      evl.appendChild(link(ev.url || ev.raw_url, ev.title || ev.url || ev.raw_url));
      var meta = [ev.outlet, when(ev.at)].filter(Boolean).join(", ");
      if (meta) evl.appendChild(el("span", "tr-meta", " \u2014 " + meta));
      box.appendChild(evl);
    }
    if (p.page && PAGE.test(p.page)) {
      var more = el("a", "tr-more", "Details, timeline and change log \u2192");
      more.href = p.page;
      box.appendChild(more);
    }
    return box;
  }

  function style(p, focus) {
    var weight = p.geom === "line" ? (focus ? 7 : 5) : 2;
    return {
      color: p.geom === "line" ? p.color : (p.contested ? "#7b3294" : "#222222"),
      weight: p.contested && p.geom !== "line" ? 3 : weight,
      opacity: p.stale ? 0.5 : 0.95,
      fillColor: p.color,
      fillOpacity: p.stale ? 0.25 : (p.geom === "polygon" ? 0.35 : 0.9),
      dashArray: p.patrolled ? "8 6" : null,
      className: "tr-place tr-status-" + p.status
    };
  }

  function geomKind(feature) {
    var t = feature.geometry ? feature.geometry.type : "";
    if (t.indexOf("Point") >= 0) return "point";
    if (t.indexOf("LineString") >= 0) return "line";
    return "polygon";
  }

  function drawPlace(feature, focus) {
    var p = feature.properties;
    p.geom = geomKind(feature);
    var group = L.featureGroup();
    if (p.contested && p.geom !== "point") {
      L.geoJSON(feature, { interactive: false, style: { color: "#7b3294", weight: 12,
        opacity: 0.35, fillOpacity: 0 } }).addTo(group);
    }
    var layer = L.geoJSON(feature, {
      style: function () { return style(p, focus); },
      pointToLayer: function (f, latlng) {
        var r = focus ? 10 : (p.role === "part" || p.status === "unknown" ? 5 : 8);
        return L.circleMarker(latlng, { radius: r });
      }
    }).addTo(group);
    // MultiPoint and GeometryCollection give nested groups; tooltips go on the leaves.
    var leaves = [];
    (function collect(l) {
      if (l.eachLayer) { l.eachLayer(collect); } else { leaves.push(l); }
    })(layer);
    var label = p.role === "part" ? p.name + " (" + p.kind + ")" : p.name + ": " + p.status;
    leaves.forEach(function (leaf) { leaf.bindTooltip(el("span", null, label)); });
    if (p.role !== "part") {
      layer.bindPopup(function () { return popupContent(p); }, { maxWidth: 320 });
    }
    group.on("add", function () {
      leaves.forEach(function (leaf) {
        var node = leaf.getElement && leaf.getElement();
        if (node) node.setAttribute("data-place-id", p.id);
      });
    });
    return { group: group, layer: layer, props: p };
  }

  function legendControl(legend) {
    var ctl = L.control({ position: "bottomright" });
    ctl.onAdd = function () {
      var box = el("div", "tr-legend leaflet-bar");
      box.appendChild(el("div", "tr-label", "Status"));
      legend.forEach(function (row) {
        var line = el("div", "tr-legend-row");
        var sw = el("span", "tr-swatch");
        sw.style.background = row[1];
        line.appendChild(sw);
        line.appendChild(document.createTextNode(row[2]));
        box.appendChild(line);
      });
      box.appendChild(el("div", "tr-legend-row", "- - -  patrolled"));
      var c = el("div", "tr-legend-row", "purple halo: contested");
      box.appendChild(c);
      box.appendChild(el("div", "tr-legend-row", "faded: stale"));
      return box;
    };
    return ctl;
  }

  function filterControl(api, kinds, regions) {
    var ctl = L.control({ position: "topright" });
    ctl.onAdd = function () {
      var box = el("div", "tr-filter leaflet-bar");
      L.DomEvent.disableClickPropagation(box);
      box.appendChild(el("div", "tr-label", "Layers"));
      kinds.forEach(function (kind) {
        var lab = el("label", "tr-filter-row");
        var cb = el("input");
        cb.type = "checkbox";
        cb.checked = true;
        cb.setAttribute("data-kind", kind);
        cb.addEventListener("change", function () {
          api.kinds[kind] = cb.checked;
          api.apply();
        });
        lab.appendChild(cb);
        lab.appendChild(document.createTextNode(" " + kind));
        box.appendChild(lab);
      });
      if (regions.length > 1) {
        var sel = el("select", "tr-region");
        sel.appendChild(el("option", null, "all regions")).value = "";
        regions.forEach(function (r) { sel.appendChild(el("option", null, r)).value = r; });
        sel.addEventListener("change", function () {
          api.region = sel.value;
          api.apply(true);
        });
        box.appendChild(sel);
      }
      return box;
    };
    return ctl;
  }

  function draw(map, data) {
    map.getContainer().style.background = "#cfe3f1";
    if (data.tiles && HTTP.test(data.tiles.url.replace(/[{}]/g, ""))) {
      L.tileLayer(data.tiles.url, { attribution: data.tiles.attribution,
        maxZoom: data.tiles.maxZoom }).addTo(map);
    }
    var basemap = data.basemap || window.TRACKER_BASEMAP;
    if (basemap && basemap.features && basemap.features.length) {
      L.geoJSON(basemap, { interactive: false, style: { color: "#9a9a9a", weight: 1,
        fillColor: "#f4f1ea", fillOpacity: 1 } }).addTo(map);
    }
    var api = { map: map, layers: {}, parts: {}, kinds: {}, region: "" };
    var all = L.featureGroup();
    var reported = L.featureGroup();  // places with a known status: the first view
    (data.places.features || []).forEach(function (feature) {
      var d = drawPlace(feature, feature.properties.id === data.focus);
      if (feature.properties.role === "part") {
        api.parts[feature.properties.id] = d;
      } else {
        api.layers[feature.properties.id] = d;
        api.kinds[feature.properties.kind] = true;
      }
      d.group.addTo(map);
      all.addLayer(d.layer);
      if (feature.properties.status && feature.properties.status !== "unknown" &&
          feature.properties.role !== "part") reported.addLayer(d.layer);
    });
    api.apply = function (refit) {
      var shown = L.featureGroup();
      Object.keys(api.layers).forEach(function (id) {
        var d = api.layers[id];
        var on = api.kinds[d.props.kind] &&
          (!api.region || (d.props.countries || []).indexOf(api.region) >= 0);
        if (on) { map.addLayer(d.group); shown.addLayer(d.layer); } else { map.removeLayer(d.group); }
      });
      if (refit && shown.getLayers().length) fit(shown);
    };
    api.open = function (id) {
      var d = api.layers[id];
      if (!d || !d.layer.getLayers().length) return false;  // a place with no geometry
      var b = d.layer.getBounds();
      d.layer.openPopup(b.isValid() ? b.getCenter() : undefined);
      return true;
    };
    function fit(group) {
      var b = group.getBounds();
      if (b.isValid()) map.fitBounds(b, { padding: [24, 24], maxZoom: data.maxZoom || 9 });
    }
    // Open on what the news says something about; with no reports yet, on every place.
    if (data.fit !== false && all.getLayers().length) {
      fit(reported.getLayers().length ? reported : all);
    }
    if (data.legend) legendControl(data.legend).addTo(map);
    if (data.filters) filterControl(api, Object.keys(api.kinds).sort(), data.regions || []).addTo(map);
    document.querySelectorAll("[data-open-place]").forEach(function (node) {
      node.addEventListener("click", function (ev) {
        if (api.open(node.getAttribute("data-open-place"))) ev.preventDefault();
      });
    });
    window.TrackerMap.current = api;
    return api;
  }

  window.TrackerMap = { draw: draw, popupContent: popupContent };
})();
