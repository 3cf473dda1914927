package registry

import (
	"context"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestLifecycleWithoutKafka starts a registry whose broker does not answer:
// it must serve /_health (503, not ready), answer other requests 50002 once
// its wait for the load times out, and Close promptly, more than once.
func TestLifecycleWithoutKafka(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close() // nothing listens there now

	reg, err := New(Options{
		KafkaOpts:     []kgo.Opt{kgo.SeedBrokers(dead)},
		AdvertisedURL: "http://127.0.0.1:1",
		Timeout:       300 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := reg.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := reg.Start(context.Background()); err == nil {
		t.Fatal("second Start accepted")
	}
	srv := httptest.NewServer(reg.Handler())
	defer srv.Close()
	doURL(t, "GET", srv.URL+"/_health", "", nil).expect(t, 503, "")
	doURL(t, "GET", srv.URL+"/", "", nil).expect(t, 200, `{}`)
	doURL(t, "GET", srv.URL+"/subjects", "", nil).expectError(t, CodeOperationTimeout)

	start := time.Now()
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reg.Close()
		}()
	}
	wg.Wait()
	reg.Close()
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Close took %v", d)
	}
}

// TestCloseWithoutStart closes a registry that never started.
func TestCloseWithoutStart(t *testing.T) {
	reg, err := New(Options{KafkaOpts: []kgo.Opt{kgo.SeedBrokers("127.0.0.1:1")}, AdvertisedURL: "https://reg.example:8081"})
	if err != nil {
		t.Fatal(err)
	}
	if reg.URL() != "https://reg.example:8081" {
		t.Fatalf("URL %q", reg.URL())
	}
	reg.Close()
	reg.Close()
}

// TestNewValidates rejects options New cannot work with.
func TestNewValidates(t *testing.T) {
	base := []kgo.Opt{kgo.SeedBrokers("127.0.0.1:1")}
	for name, o := range map[string]Options{
		"no kafka":           {AdvertisedURL: "http://a:1"},
		"no url":             {KafkaOpts: base},
		"relative url":       {KafkaOpts: base, AdvertisedURL: "a:1"},
		"ftp url":            {KafkaOpts: base, AdvertisedURL: "ftp://a:1"},
		"bad level":          {KafkaOpts: base, AdvertisedURL: "http://a:1", Compatibility: "x"},
		"replication factor": {KafkaOpts: base, AdvertisedURL: "http://a:1", ReplicationFactor: -1},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestEscapedSubjectsAndBodyLimit checks a subject containing "/" (sent as
// %2F) and the request body limit.
func TestEscapedSubjectsAndBodyLimit(t *testing.T) {
	reg := startRegistry(t, newCluster(t), func(o *Options) { o.MaxBodyBytes = 200 })
	reg.waitPrimary(true)
	reg.register(t, "a%2Fb", avroBody(`"int"`))
	reg.do(t, "GET", "/subjects", "").expect(t, 200, `["a/b"]`)
	reg.do(t, "GET", "/subjects/a%2Fb/versions/1", "").expect(t, 200, `{"subject":"a/b","version":1,"id":1,"schema":"\"int\""}`)
	reg.do(t, "POST", "/subjects/big/versions", avroBody(userV2+strings.Repeat(" ", 300))).expectError(t, CodePayloadTooLarge)
}
