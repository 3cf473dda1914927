package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/twmb/avro"
	"github.com/twmb/franz-go/pkg/sr"
)

// benchAvroSchema is the value schema of the avro scenario: the fields of
// jsonValue's objects, so that a record's JSON form (what krest receives) is
// exactly the json scenario's 1 KiB object and the two scenarios differ
// only by what krest does with it (validate and copy, or validate and
// encode to Avro). It is registered once per scenario, before any timing.
const benchAvroSchema = `{"type":"record","name":"Event","namespace":"dev.krest.bench","fields":[` +
	`{"name":"id","type":"long"},` +
	`{"name":"user","type":"string"},` +
	`{"name":"active","type":"boolean"},` +
	`{"name":"score","type":"double"},` +
	`{"name":"tags","type":{"type":"array","items":"string"}},` +
	`{"name":"note","type":"string"}]}`

// benchEvent is a record of benchAvroSchema as a Go application holds it:
// what the direct side encodes per record.
type benchEvent struct {
	ID     int64    `avro:"id" json:"id"`
	User   string   `avro:"user" json:"user"`
	Active bool     `avro:"active" json:"active"`
	Score  float64  `avro:"score" json:"score"`
	Tags   []string `avro:"tags" json:"tags"`
	Note   string   `avro:"note" json:"note"`
}

// newAvroWorkload builds the avro scenario's values: the json scenario's
// objects of size bytes as the REST values (valid Avro JSON for
// benchAvroSchema: no unions, no bytes), the same records as Go values for
// the direct side, and their Confluent wire-format encoding (what both
// sides store) for checks. The schema id is not known yet: setSchemaID
// fills it in once the schema is registered.
func newAvroWorkload(size, n int) (*workload, error) {
	schema, err := avro.Parse(benchAvroSchema)
	if err != nil {
		return nil, fmt.Errorf("avro schema: %w", err)
	}
	js, err := payloads("json", size, n)
	if err != nil {
		return nil, err
	}
	w := &workload{rest: js, kafka: make([][]byte, n), events: make([]benchEvent, n), schema: benchAvroSchema, avro: schema}
	for i, v := range js {
		if err := json.Unmarshal(v, &w.events[i], json.RejectUnknownMembers(true)); err != nil {
			return nil, fmt.Errorf("avro payload %d: %w", i, err)
		}
		b := make([]byte, 5, 5+size)
		if w.kafka[i], err = schema.AppendEncode(b, &w.events[i]); err != nil {
			return nil, fmt.Errorf("avro payload %d: %w", i, err)
		}
	}
	return w, nil
}

// setSchemaID completes a schema workload once its schema is registered:
// the produce bodies name the id, the stored values carry it in their
// header, and the direct side's serde frames with it.
func (w *workload) setSchemaID(id int) error {
	if w.schema == "" {
		return errors.New("not a schema format")
	}
	if id <= 0 || id > 1<<31-1 {
		return fmt.Errorf("schema id %d out of range", id)
	}
	w.head = `"value_schema_id":` + strconv.Itoa(id) + `,`
	for _, v := range w.kafka {
		v[0] = 0 // magic byte
		v[1], v[2], v[3], v[4] = byte(id>>24), byte(id>>16), byte(id>>8), byte(id)
	}
	schema := w.avro
	serde := sr.NewSerde()
	serde.Register(id, &benchEvent{}, sr.AppendEncodeFn(func(b []byte, v any) ([]byte, error) {
		return schema.AppendEncode(b, v)
	}))
	w.encode = func(dst []byte, i int) ([]byte, error) {
		return serde.AppendEncode(dst, &w.events[i])
	}
	return nil
}

// registryContentType is the Schema Registry API's media type.
const registryContentType = "application/vnd.schemaregistry.v1+json"

// registerSchema registers an Avro schema under subject on the registry at
// base and returns its id. The embedded registry answers only once it has
// loaded its topic and elected a primary, so connection errors and 5xx are
// retried for up to 30 s; a 4xx is final.
func registerSchema(ctx context.Context, hc *http.Client, base, subject, schema string) (int, error) {
	body, err := json.Marshal(map[string]string{"schema": schema})
	if err != nil {
		return 0, err
	}
	u := strings.TrimRight(base, "/") + "/subjects/" + url.PathEscape(subject) + "/versions"
	deadline := time.Now().Add(30 * time.Second)
	for {
		id, retry, err := registerOnce(ctx, hc, u, body)
		if err == nil {
			return id, nil
		}
		if !retry || time.Now().After(deadline) || ctx.Err() != nil {
			return 0, fmt.Errorf("register the schema under %s at %s: %w", subject, base, err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func registerOnce(ctx context.Context, hc *http.Client, u string, body []byte) (id int, retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, "POST", u, bytes.NewReader(body))
	if err != nil {
		return 0, false, err
	}
	req.Header.Set("Content-Type", registryContentType)
	req.Header.Set("Accept", registryContentType)
	resp, err := hc.Do(req)
	if err != nil {
		return 0, true, err // not listening yet, or a dropped connection
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return 0, resp.StatusCode >= 500, fmt.Errorf("HTTP %d: %s", resp.StatusCode, truncate(string(b), 300))
	}
	var out struct {
		ID int `json:"id"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.ID <= 0 {
		return 0, false, fmt.Errorf("unexpected answer %s", truncate(string(b), 300))
	}
	return out.ID, false, nil
}

// deleteSubject removes a subject the bench registered, soft then
// permanently, on a fresh context so that it runs after a deadline too.
func deleteSubject(hc *http.Client, base, subject string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	u := strings.TrimRight(base, "/") + "/subjects/" + url.PathEscape(subject)
	for _, q := range []string{"", "?permanent=true"} {
		req, err := http.NewRequestWithContext(ctx, "DELETE", u+q, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Accept", registryContentType)
		resp, err := hc.Do(req)
		if err != nil {
			return fmt.Errorf("delete subject %s: %w", subject, err)
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("delete subject %s%s: HTTP %d: %s", subject, q, resp.StatusCode, truncate(string(b), 200))
		}
	}
	return nil
}
