package restapi

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/krest-dev/krest/internal/serde"
)

// TestProduceRecycledBuffersKeepEveryValue guards the recycling of
// bodies, arenas and records (produce_pool.go): concurrent requests, in
// every shape of the binary and json paths, each with distinct values, and
// every record Kafka holds must be the value its response reported at that
// partition and offset. A buffer reused while franz-go still read it would
// show up as another request's bytes.
func TestProduceRecycledBuffersKeepEveryValue(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.topic("recycle", 3)
	const workers, requests, perRequest = 8, 25, 20
	type want struct {
		key, value []byte
	}
	var mu sync.Mutex
	got := map[[2]int64]want{} // partition, offset → what was sent
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for r := range requests {
				format := serde.Binary
				if (w+r)%3 == 0 {
					format = serde.JSON
				}
				var body strings.Builder
				body.WriteString(`{"records":[`)
				sent := make([]want, perRequest)
				for i := range perRequest {
					id := fmt.Sprintf("w%d-r%d-i%d-", w, r, i)
					v := []byte(id + strings.Repeat(string(rune('a'+i)), 1+(w*r+i)%300))
					if i > 0 {
						body.WriteString(",")
					}
					switch {
					case format == serde.JSON:
						q, _ := json.Marshal(string(v))
						sent[i] = want{value: q}
						fmt.Fprintf(&body, `{"value": %s}`, q) // a space: the compacting path
					case i%4 == 1:
						// Headers: the full decoder.
						sent[i] = want{value: v}
						fmt.Fprintf(&body, `{"value":%q,"headers":[{"key":"h","value":"aA=="}]}`, base64.StdEncoding.EncodeToString(v))
					default:
						k := []byte(id)
						sent[i] = want{key: k, value: v}
						fmt.Fprintf(&body, `{"key":%q,"value":%q}`, base64.StdEncoding.EncodeToString(k), base64.StdEncoding.EncodeToString(v))
					}
				}
				body.WriteString(`]}`)
				req, _ := http.NewRequest("POST", e.url+"/topics/recycle", strings.NewReader(body.String()))
				req.Header.Set("Content-Type", "application/vnd.kafka."+format.String()+".v2+json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				var out struct {
					Offsets []struct {
						Partition int64  `json:"partition"`
						Offset    int64  `json:"offset"`
						ErrorCode *int64 `json:"error_code"`
					} `json:"offsets"`
				}
				if err := json.Unmarshal(b, &out); err != nil || resp.StatusCode != 200 || len(out.Offsets) != perRequest {
					t.Errorf("HTTP %d %s: %v", resp.StatusCode, b, err)
					return
				}
				mu.Lock()
				for i, o := range out.Offsets {
					if o.ErrorCode != nil {
						t.Errorf("record error %d", *o.ErrorCode)
					}
					got[[2]int64{o.Partition, o.Offset}] = sent[i]
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	recs := e.read("recycle", workers*requests*perRequest)
	for _, r := range recs {
		w, ok := got[[2]int64{int64(r.Partition), r.Offset}]
		if !ok {
			t.Fatalf("record at %d/%d was not reported", r.Partition, r.Offset)
		}
		if !bytes.Equal(r.Value, w.value) || !bytes.Equal(r.Key, w.key) {
			t.Fatalf("record at %d/%d: key %q value %q, want key %q value %q", r.Partition, r.Offset, r.Key, r.Value, w.key, w.value)
		}
	}
}
