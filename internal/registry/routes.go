package registry

import (
	"net/http"

	"github.com/krest-dev/krest/internal/httpx"
)

// route is one entry of the API surface.
type route struct {
	method  string
	pattern string // net/http ServeMux pattern
	h       handlerFunc
	// raw routes skip Accept negotiation and the readiness wait (/ and
	// /_health must answer while the registry loads).
	raw bool
}

// routes is the whole Schema Registry API in one list: Confluent's paths
// (rest/resources/*Resource.java) plus Karapace's /_health. Trailing slashes
// are trimmed before matching, so each pattern also answers with one.
//
// Writes (POST register, DELETE, PUT config and mode) run on the primary;
// on any other instance their handlers forward the request to it.
func (r *Registry) routes() []route {
	return []route{
		{"GET", "/{$}", r.root, true},
		{"GET", "/_health", r.health, true},

		{"GET", "/schemas", r.listSchemas, false},
		{"GET", "/schemas/types", r.schemaTypes, false},
		{"GET", "/schemas/ids/{id}", r.schemaByID, false},
		{"GET", "/schemas/ids/{id}/schema", r.schemaTextByID, false},
		{"GET", "/schemas/ids/{id}/subjects", r.subjectsByID, false},
		{"GET", "/schemas/ids/{id}/versions", r.versionsByID, false},

		{"GET", "/subjects", r.listSubjects, false},
		{"POST", "/subjects/{subject}", r.lookupSchema, false},
		{"DELETE", "/subjects/{subject}", r.deleteSubject, false},
		{"GET", "/subjects/{subject}/versions", r.listVersions, false},
		{"POST", "/subjects/{subject}/versions", r.register, false},
		{"GET", "/subjects/{subject}/versions/{version}", r.getVersion, false},
		{"DELETE", "/subjects/{subject}/versions/{version}", r.deleteVersion, false},
		{"GET", "/subjects/{subject}/versions/{version}/schema", r.getVersionText, false},
		{"GET", "/subjects/{subject}/versions/{version}/referencedby", r.referencedBy, false},

		{"GET", "/config", r.getGlobalConfig, false},
		{"PUT", "/config", r.putGlobalConfig, false},
		{"DELETE", "/config", r.deleteGlobalConfig, false},
		{"GET", "/config/{subject}", r.getSubjectConfig, false},
		{"PUT", "/config/{subject}", r.putSubjectConfig, false},
		{"DELETE", "/config/{subject}", r.deleteSubjectConfig, false},

		{"GET", "/mode", r.getGlobalMode, false},
		{"PUT", "/mode", r.putGlobalMode, false},
		{"GET", "/mode/{subject}", r.getSubjectMode, false},
		{"PUT", "/mode/{subject}", r.putSubjectMode, false},
		{"DELETE", "/mode/{subject}", r.deleteSubjectMode, false},

		{"POST", "/compatibility/subjects/{subject}/versions", r.checkAgainstAll, false},
		{"POST", "/compatibility/subjects/{subject}/versions/{version}", r.checkAgainstVersion, false},

		{"GET", "/contexts", r.listContexts, false},
	}
}

// buildHandler compiles the route table into one handler that answers
// unknown routes and wrong methods with JSON bodies.
func (r *Registry) buildHandler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range r.routes() {
		mux.Handle(rt.method+" "+rt.pattern, r.wrap(rt))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		httpx.TrimTrailingSlash(req)
		h, pattern := mux.Handler(req)
		if pattern == "" {
			routeMiss(w, req, h)
			return
		}
		mux.ServeHTTP(w, req)
	})
}
