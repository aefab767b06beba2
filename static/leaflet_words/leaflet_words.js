/* Leaflet's own controls in the reader's language, for every map the pages draw (loaded right
   after leaflet.js, before any map is made). Leaflet writes a few English words itself: the zoom
   buttons' titles, the layer switch's and the popup close button's, the credit's hover text,
   and a scale in feet. Words come from Django's JavaScript catalog, loaded in each page's head.
   The layer switch and the popup set their words inside _initLayout, hence the wrappers (the
   Leaflet we vendor is pinned: static/vendor/leaflet). */
(function () {
  "use strict";
  L.Control.Zoom.prototype.options.zoomInTitle = gettext("Zoom in");
  L.Control.Zoom.prototype.options.zoomOutTitle = gettext("Zoom out");
  L.Control.Scale.prototype.options.imperial = false; // metres and kilometres only
  const credit = document.createElement("a");
  credit.href = "https://leafletjs.com";
  credit.title = gettext("The map is drawn with Leaflet");
  credit.textContent = "Leaflet";
  L.Control.Attribution.prototype.options.prefix = credit.outerHTML;

  const layersLayout = L.Control.Layers.prototype._initLayout;
  L.Control.Layers.prototype._initLayout = function () {
    layersLayout.call(this);
    if (this._layersLink) {
      this._layersLink.title = gettext("Layers");
      this._layersLink.setAttribute("aria-label", gettext("Layers"));
    }
  };
  const popupLayout = L.Popup.prototype._initLayout;
  L.Popup.prototype._initLayout = function () {
    popupLayout.call(this);
    const close = this._closeButton;
    if (close) {
      close.setAttribute("aria-label", gettext("Close"));
      if (close.title) close.title = gettext("Close");
    }
  };
})();
