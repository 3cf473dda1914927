package restapi

import (
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/krest-dev/krest/internal/apierr"
	"github.com/krest-dev/krest/internal/serde"
)

// contentTypeV2 is the Content-Type of metadata, produce and error responses.
const contentTypeV2 = "application/vnd.kafka.v2+json"

// embedded is an embedded format named by a media type, or none.
type embedded struct {
	format serde.Format
	named  bool // false: the media type names no embedded format
}

// parseKafkaMediaType parses the subtype of application/vnd.kafka[.<fmt>][.v1|.v2]+json.
// ok is false for anything else (v0, v3, other suffixes).
func parseKafkaMediaType(subtype string) (embedded, bool) {
	rest, found := strings.CutPrefix(subtype, "vnd.kafka")
	if !found {
		return embedded{}, false
	}
	rest, found = strings.CutSuffix(rest, "+json")
	if !found {
		return embedded{}, false
	}
	// rest is now "", ".v2", ".binary", ".binary.v2", ...
	var e embedded
	if rest == "" {
		return e, true
	}
	if rest[0] != '.' {
		return embedded{}, false
	}
	parts := strings.Split(rest[1:], ".")
	if v := parts[len(parts)-1]; v == "v1" || v == "v2" {
		parts = parts[:len(parts)-1]
	}
	switch len(parts) {
	case 0:
		return e, true
	case 1:
		f, ok := serde.ParseFormat(parts[0])
		if !ok {
			return embedded{}, false
		}
		return embedded{format: f, named: true}, true
	}
	return embedded{}, false
}

// requestFormat negotiates the embedded format of a request body from its
// Content-Type (decisions.md): the vnd.kafka family, application/json and
// application/octet-stream (both binary), and a missing header (binary).
func requestFormat(r *http.Request) (serde.Format, error) {
	ct := r.Header.Get("Content-Type")
	if strings.TrimSpace(ct) == "" {
		return serde.Binary, nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil {
		if sub, ok := strings.CutPrefix(mt, "application/"); ok {
			switch sub {
			case "json", "octet-stream":
				return serde.Binary, nil
			}
			if e, ok := parseKafkaMediaType(sub); ok {
				return e.format, nil
			}
		}
	}
	return 0, apierr.New(apierr.UnsupportedMediaType, "HTTP 415 Unsupported Media Type: Content-Type %q is not one of application/vnd.kafka[.binary|.json|.avro|.jsonschema|.protobuf].v2+json, application/json, application/octet-stream", ct)
}

// acceptRange is one media range of an Accept header.
type acceptRange struct {
	typ, sub string
	q        float64
}

// acceptedFormat negotiates the Accept header. It returns the embedded format
// named by the most preferred acceptable range (honouring q-values, unlike
// Karapace; the first range wins among equals), or named=false when the
// chosen range names none (*/*, application/json, vnd.kafka.v2+json, or no
// Accept header). Nothing acceptable → 406.
func acceptedFormat(r *http.Request) (embedded, error) {
	h := r.Header.Values("Accept")
	if len(h) == 0 {
		return embedded{}, nil
	}
	var ranges []acceptRange
	for _, line := range h {
		for _, part := range strings.Split(line, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			mt, params, err := mime.ParseMediaType(part)
			if err != nil {
				// mime rejects "*" alone, which some clients send.
				if part == "*" {
					mt = "*/*"
				} else {
					continue
				}
			}
			typ, sub, _ := strings.Cut(mt, "/")
			q := 1.0
			if qs, ok := params["q"]; ok {
				if v, err := strconv.ParseFloat(qs, 64); err == nil {
					q = v
				}
			}
			if q <= 0 {
				continue
			}
			ranges = append(ranges, acceptRange{typ, sub, q})
		}
	}
	if len(ranges) == 0 && len(h) > 0 && strings.TrimSpace(strings.Join(h, "")) == "" {
		return embedded{}, nil // an empty Accept header means anything
	}
	sort.SliceStable(ranges, func(i, j int) bool { return ranges[i].q > ranges[j].q })
	for _, ar := range ranges {
		switch {
		case ar.typ == "*" && (ar.sub == "*" || ar.sub == "json"):
			return embedded{}, nil
		case ar.typ != "application":
			continue
		case ar.sub == "*" || ar.sub == "json":
			return embedded{}, nil
		}
		if e, ok := parseKafkaMediaType(ar.sub); ok {
			return e, nil
		}
	}
	return embedded{}, apierr.New(apierr.NotAcceptable, "HTTP 406 Not Acceptable: Accept %q names no media type krest produces (application/vnd.kafka[.<format>].v2+json, application/json)", strings.Join(h, ", "))
}
