// The ingest page's drop zone: several files dropped (or chosen) at once, each sent on
// its own to the page's upload endpoint with a progress bar, then its outcome polled
// from the job API until it is known. Without JavaScript the form posts as usual.
(function () {
  "use strict";

  var zone = document.querySelector("[data-ingest-drop]");
  if (!zone || !window.FormData || !window.XMLHttpRequest || !window.fetch) {
    return;
  }
  var form = zone.closest("form");
  var input = form.querySelector("input[type=file]");
  var queue = document.getElementById("ingest-queue");
  var template = document.getElementById("ingest-item-template");
  var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var labels = zone.dataset;
  var refresh = document.getElementById("ingest-refresh");
  var PENDING = { waiting: true, uploading: true, queued: true, processing: true };
  // Files go one after another, in the order given: an original is received before its
  // re-publication, and a laptop's SQLite is never asked for two uploads at once.
  var waiting = [];
  var busy = false;

  zone.classList.add("is-enhanced");
  var submit = form.querySelector("[data-ingest-submit]");
  if (submit) {
    submit.hidden = true;
  }

  function label(name) {
    return labels["label" + name.charAt(0).toUpperCase() + name.slice(1)] || name;
  }

  function humanSize(bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    if (bytes < 1024 * 1024) {
      return (bytes / 1024).toFixed(1) + " KB";
    }
    return (bytes / (1024 * 1024)).toFixed(1) + " MB";
  }

  function part(item, name) {
    return item.querySelector(".ingest-" + name);
  }

  function setProgress(item, percent) {
    var bar = part(item, "progress");
    bar.setAttribute("aria-valuenow", String(Math.round(percent)));
    // CSSOM, not a style attribute: allowed by the page's Content-Security-Policy.
    bar.firstElementChild.style.width = percent + "%";
  }

  function settled() {
    var items = queue.querySelectorAll(".ingest-item");
    return Array.prototype.every.call(items, function (item) {
      return !PENDING[item.dataset.status];
    });
  }

  function setStatus(item, status, message) {
    item.className = item.className.replace(/\bstatus-\S+/g, "").trim() + " status-" + status;
    item.dataset.status = status;
    part(item, "badge").textContent = label(status);
    if (message !== undefined) {
      part(item, "message").textContent = message;
    }
    if (!PENDING[status]) {
      setProgress(item, 100);
      part(item, "progress").hidden = true;
    }
    if (refresh) {
      refresh.hidden = !settled();
    }
  }

  function addItem(file) {
    var item = template.content.firstElementChild.cloneNode(true);
    part(item, "name").textContent = file.name;
    part(item, "size").textContent = humanSize(file.size);
    queue.hidden = false;
    queue.appendChild(item);
    setStatus(item, "waiting");
    return item;
  }

  function outcome(job, file) {
    var notes = [];
    if (file.error) {
      notes.push(file.error);
    }
    if (file.status === "duplicate") {
      notes.push(label("duplicateNote"));
    }
    if (Date.parse(file.received_at) < Date.parse(job.created_at)) {
      notes.push(label("receivedBefore"));
    }
    var articles = file.articles.length;
    if (file.records.length) {
      var failed = file.records.filter(function (r) {
        return r.status === "failed";
      });
      file.records.forEach(function (r) {
        articles += r.articles.length;
      });
      notes.push(label("records") + ": " + file.records.length);
      failed.forEach(function (r) {
        notes.push(r.error);
      });
      if (failed.length) {
        notes.push(label("recordsFailed") + ": " + failed.length);
      }
    }
    if (articles) {
      notes.push(label("articles") + ": " + articles);
    }
    return notes.join(" · ");
  }

  // Follow a job until its file has an outcome. `first` runs once, after the first
  // answer: the next file is sent only then, so uploads and their first look at the job
  // never overlap. A failed look is tried again a few times before giving up.
  function poll(item, url, delay, first, tries) {
    var once = first;
    function done() {
      if (once) {
        once();
        once = null;
      }
    }
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(label("http") + " (HTTP " + response.status + ")");
        }
        return response.json();
      })
      .then(function (job) {
        var file = job.files[0];
        if (!file) {
          throw new Error(label("http"));
        }
        setStatus(item, file.status, outcome(job, file));
        var recordFailed = file.records.some(function (r) {
          return r.status === "failed";
        });
        part(item, "message").classList.toggle("text-danger", recordFailed);
        done();
        if (!job.finished) {
          window.setTimeout(function () {
            poll(item, url, Math.min(delay * 1.5, 5000), null, 0);
          }, delay);
        }
      })
      .catch(function (error) {
        if ((tries || 0) < 4) {
          window.setTimeout(function () {
            poll(item, url, delay * 2, once, (tries || 0) + 1);
          }, delay);
          return;
        }
        setStatus(item, "failed", error.message);
        done();
      });
  }

  function upload(file, item) {
    var data = new FormData();
    data.append("files", file, file.name);
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("X-CSRFToken", token);
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) {
        setProgress(item, (event.loaded / event.total) * 100);
      }
    });
    request.addEventListener("load", function () {
      var body = null;
      try {
        body = JSON.parse(request.responseText);
      } catch (ignored) {
        body = null;
      }
      if (request.status === 202 && body) {
        var link = part(item, "link");
        link.href = body.page_url;
        link.textContent = label("details");
        link.hidden = false;
        setStatus(item, "queued", "");
        poll(item, body.job_url, 500, next, 0);
      } else {
        var reason = body && body.errors ? body.errors.join(" ") : "HTTP " + request.status;
        setStatus(item, "failed", label("http") + ": " + reason);
        next();
      }
    });
    request.addEventListener("error", function () {
      setStatus(item, "failed", label("network"));
      next();
    });
    setStatus(item, "uploading");
    request.send(data);
  }

  function next() {
    busy = false;
    var job = waiting.shift();
    if (job) {
      busy = true;
      upload(job.file, job.item);
    }
  }

  function send(files) {
    Array.prototype.forEach.call(files, function (file) {
      waiting.push({ file: file, item: addItem(file) });
    });
    if (!busy) {
      next();
    }
  }

  input.addEventListener("change", function () {
    if (input.files.length) {
      send(input.files);
      input.value = "";
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (input.files.length) {
      send(input.files);
      input.value = "";
    }
  });
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) {
      event.preventDefault();
      zone.classList.add("is-dragover");
    });
  });
  ["dragleave", "dragend", "drop"].forEach(function (name) {
    zone.addEventListener(name, function () {
      zone.classList.remove("is-dragover");
    });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) {
      send(event.dataTransfer.files);
    }
  });
})();
