package registry

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/twmb/avro"
	"github.com/twmb/franz-go/pkg/sr"
)

type user struct {
	Name string `avro:"name"`
}

const protoSchema = `syntax = "proto3";
package demo;

// A greeting.
message Hello {
  string text = 1; // what to say
  int64 count = 2;
}
`

// TestFranzGoSRClient checks the registry from the serializer's side:
// franz-go's sr client registers, looks up and fetches schemas, and sr.Serde
// encodes and decodes records with the Confluent wire header.
func TestFranzGoSRClient(t *testing.T) {
	reg := startRegistry(t, newCluster(t), nil)
	reg.waitPrimary(true)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for name, cl := range map[string]*sr.Client{
		"http":       mustClient(t, sr.URLs(reg.srv.URL)),
		"in-process": mustClient(t, sr.URLs("http://krest-registry"), sr.HTTPClient(&http.Client{Transport: reg.Transport()})),
	} {
		t.Run(name, func(t *testing.T) {
			subject := "users-" + name + "-value"
			ss, err := cl.CreateSchema(ctx, subject, sr.Schema{Schema: userV1})
			if err != nil {
				t.Fatal(err)
			}
			if ss.ID != 1 || ss.Version != 1 || ss.Subject != subject {
				t.Fatalf("created %+v", ss)
			}
			got, err := cl.LookupSchema(ctx, subject, sr.Schema{Schema: userV1Respelled})
			if err != nil || got.ID != 1 || got.Version != 1 {
				t.Fatalf("lookup %+v %v", got, err)
			}
			if _, err := cl.LookupSchema(ctx, subject, sr.Schema{Schema: `"string"`}); srCode(err) != sr.ErrSchemaNotFound.Code {
				t.Fatalf("lookup of an unknown schema: %v", err)
			}
			if _, err := cl.SchemaByVersion(ctx, "nope", 1); srCode(err) != sr.ErrSubjectNotFound.Code {
				t.Fatalf("unknown subject: %v", err)
			}
			types, err := cl.SupportedTypes(ctx)
			if err != nil || len(types) != 3 {
				t.Fatalf("types %v %v", types, err)
			}
			cc, err := cl.CheckCompatibility(ctx, subject, -1, sr.Schema{Schema: userBad})
			if err != nil || cc.Is {
				t.Fatalf("compatibility %+v %v", cc, err)
			}
			if _, err := cl.CreateSchema(ctx, subject, sr.Schema{Schema: userBad}); srCode(err) != sr.ErrIncompatibleSchema.Code {
				t.Fatalf("incompatible register: %v", err)
			}
			if res := cl.SetCompatibility(ctx, sr.SetCompatibility{Level: sr.CompatFull}, subject); res[0].Err != nil || res[0].Level != sr.CompatFull {
				t.Fatalf("set compatibility %+v", res)
			}
			if res := cl.Compatibility(ctx, subject); res[0].Err != nil || res[0].Level != sr.CompatFull {
				t.Fatalf("compatibility %+v", res)
			}

			// Encode with the registered id, decode by fetching the schema
			// the header names.
			parsed := avro.MustParse(userV1)
			var enc sr.Serde
			enc.Register(ss.ID, user{},
				sr.EncodeFn(func(v any) ([]byte, error) { return parsed.Encode(v) }),
			)
			b, err := enc.Encode(user{Name: "ada"})
			if err != nil {
				t.Fatal(err)
			}
			id, _, err := new(sr.ConfluentHeader).DecodeID(b)
			if err != nil || id != ss.ID {
				t.Fatalf("header id %d %v", id, err)
			}
			fetched, err := cl.SchemaByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			ds := avro.MustParse(fetched.Schema)
			var dec sr.Serde
			dec.Register(id, user{}, sr.DecodeFn(func(b []byte, v any) error {
				_, err := ds.Decode(b, v)
				return err
			}))
			var u user
			if err := dec.Decode(b, &u); err != nil || u.Name != "ada" {
				t.Fatalf("decoded %+v %v", u, err)
			}

			// Protobuf and JSON Schema register through the client too.
			pss, err := cl.CreateSchema(ctx, "proto-"+name, sr.Schema{Type: sr.TypeProtobuf, Schema: protoSchema})
			if err != nil || pss.Type != sr.TypeProtobuf {
				t.Fatalf("protobuf %+v %v", pss, err)
			}
			jss, err := cl.CreateSchema(ctx, "json-"+name, sr.Schema{Type: sr.TypeJSON, Schema: `{"type":"object","properties":{"a":{"type":"string"}}}`})
			if err != nil || jss.Type != sr.TypeJSON {
				t.Fatalf("json %+v %v", jss, err)
			}

			if ms := cl.SetMode(ctx, sr.ModeReadOnly, subject); ms[0].Err != nil || ms[0].Mode != sr.ModeReadOnly {
				t.Fatalf("set mode %+v", ms)
			}
			if ms := cl.ResetMode(ctx, subject); ms[0].Err != nil {
				t.Fatalf("reset mode %+v", ms)
			}
			if vs, err := cl.DeleteSubject(ctx, "json-"+name, sr.SoftDelete); err != nil || len(vs) != 1 {
				t.Fatalf("soft delete %v %v", vs, err)
			}
			if vs, err := cl.DeleteSubject(ctx, "json-"+name, sr.HardDelete); err != nil || len(vs) != 1 {
				t.Fatalf("hard delete %v %v", vs, err)
			}
		})
	}
}

func mustClient(t *testing.T, opts ...sr.ClientOpt) *sr.Client {
	t.Helper()
	cl, err := sr.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// srCode is the error_code of an sr client error, or 0.
func srCode(err error) int {
	var re *sr.ResponseError
	if errors.As(err, &re) {
		return re.ErrorCode
	}
	return 0
}
