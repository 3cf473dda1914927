package restapi

import (
	_ "embed"
	"fmt"
	"net/http"
	"strconv"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
	"go.yaml.in/yaml/v3"
)

// The OpenAPI 3.1 document of the REST API. openapi.yaml in this package
// is the source of truth (go:embed cannot reach ../../docs);
// docs/openapi.yaml is a copy that "go generate ./internal/restapi"
// refreshes and a test keeps equal. Other tests check that it describes
// exactly the routes of the route table and that the golden responses
// validate against its schemas.

//go:generate cp openapi.yaml ../../docs/openapi.yaml

//go:embed openapi.yaml
var openAPIYAMLDoc []byte

// openAPIJSONDoc is the document converted to JSON once, keys in the
// YAML's order.
var openAPIJSONDoc = sync.OnceValues(func() ([]byte, error) { return yamlToJSON(openAPIYAMLDoc) })

// openAPIJSON answers GET /openapi.json.
func (s *Server) openAPIJSON(w http.ResponseWriter, r *http.Request) error {
	b, err := openAPIJSONDoc()
	if err != nil {
		return err // a broken embedded document; tests catch it first
	}
	writeBody(w, http.StatusOK, "application/json", b)
	return nil
}

// openAPIYAML answers GET /openapi.yaml (application/yaml, RFC 9512).
func (s *Server) openAPIYAML(w http.ResponseWriter, r *http.Request) error {
	writeBody(w, http.StatusOK, "application/yaml", openAPIYAMLDoc)
	return nil
}

// yamlToJSON converts a YAML document to compact JSON, keeping the order
// of mapping keys (decoding into maps would sort them).
func yamlToJSON(doc []byte) ([]byte, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(doc, &n); err != nil {
		return nil, err
	}
	var b []byte
	b, err := appendNodeJSON(b, &n)
	if err != nil {
		return nil, err
	}
	// Round-trip through jsontext to validate and compact.
	v := jsontext.Value(b)
	if err := v.Compact(); err != nil {
		return nil, err
	}
	return v, nil
}

func appendNodeJSON(b []byte, n *yaml.Node) ([]byte, error) {
	var err error
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return nil, fmt.Errorf("openapi: want one YAML document, got %d", len(n.Content))
		}
		return appendNodeJSON(b, n.Content[0])
	case yaml.AliasNode:
		return appendNodeJSON(b, n.Alias)
	case yaml.MappingNode:
		b = append(b, '{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = jsontext.AppendQuote(b, n.Content[i].Value); err != nil {
				return nil, err
			}
			b = append(b, ':')
			if b, err = appendNodeJSON(b, n.Content[i+1]); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	case yaml.SequenceNode:
		b = append(b, '[')
		for i, c := range n.Content {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendNodeJSON(b, c); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return append(b, "null"...), nil
		case "!!bool":
			v, err := strconv.ParseBool(n.Value)
			if err != nil {
				return nil, fmt.Errorf("openapi: line %d: bad boolean %q", n.Line, n.Value)
			}
			return strconv.AppendBool(b, v), nil
		case "!!int", "!!float":
			if !jsontext.Value(n.Value).IsValid() {
				return nil, fmt.Errorf("openapi: line %d: number %q is not valid JSON", n.Line, n.Value)
			}
			return append(b, n.Value...), nil
		default:
			return jsontext.AppendQuote(b, n.Value)
		}
	}
	return nil, fmt.Errorf("openapi: line %d: unexpected YAML node kind %d", n.Line, n.Kind)
}
