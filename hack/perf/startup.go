package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	"github.com/ks-apiserver/ks-apiserver/test/controlplane"
	"github.com/ks-apiserver/ks-apiserver/test/fixtures"
)

// startupOnly is `make perf PERF_FLAGS=-startup-only`: over pods loaded
// earlier (-reuse), it times how fast kube-apiserver hands every pod over by
// each mechanism a client can use (watch-list, lists from its watch cache,
// paged lists; protobuf and JSON; the bytes alone and decoded by client-go),
// then starts ks-apiserver -startup-runs times per variant and times each
// until /readyz is ok, with its RSS, CPU time and the time each cache synced.
func startupOnly(ctx context.Context, cp *controlplane.ControlPlane, ksConfig controlplane.KSConfig, o options) error {
	kube, err := newUpstreamBench(cp)
	if err != nil {
		return err
	}
	step("warming up kube-apiserver's watch cache of pods")
	if _, err := kube.list(ctx, "protobuf", false, "0", 0, false); err != nil {
		return err
	}
	if o.upstreamRepeat > 0 {
		var rows [][]string
		only, err := regexp.Compile(o.mechanisms)
		if err != nil {
			return fmt.Errorf("-mechanisms: %w", err)
		}
		for _, m := range kube.mechanisms() {
			if !only.MatchString(m.name) {
				continue
			}
			step("timing %s", m.name)
			var times []time.Duration
			var last handover
			for range o.upstreamRepeat {
				before := cpuSeconds(cp.Processes(), "kube-apiserver")
				h, err := m.run(ctx)
				if err != nil {
					return fmt.Errorf("%s: %w", m.name, err)
				}
				h.serverCPU = cpuSeconds(cp.Processes(), "kube-apiserver") - before
				times = append(times, h.took)
				last = h
			}
			sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
			rows = append(rows, []string{m.name, formatDuration(times[len(times)/2]), formatDuration(times[0]),
				strconv.Itoa(last.items), fmt.Sprintf("%.0f MB", float64(last.bytes)/1e6), fmt.Sprintf("%.1f s", last.serverCPU)})
		}
		fmt.Printf("\nkube-apiserver handing over every pod (%d runs each; load %s)\n\n", o.upstreamRepeat, fixtures.LoadAverage())
		w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(w, "mechanism\tmedian\tfastest\titems\tbytes\tkube-apiserver CPU (last run)")
		for _, r := range rows {
			fmt.Fprintln(w, strings.Join(r, "\t"))
		}
		_ = w.Flush()
	}

	variants := []string{""}
	if o.variants != "" {
		variants = strings.Split(o.variants, "|")
	}
	type result struct {
		variant string
		runs    []startupRun
	}
	var results []result
	for _, v := range variants {
		r := result{variant: v}
		for i := range o.startupRuns {
			step("starting ks-apiserver (variant %q, run %d of %d)", v, i+1, o.startupRuns)
			cfg := ksConfig
			cfg.Env, cfg.ExtraArgs = nil, nil
			for _, f := range strings.Fields(v) {
				if strings.HasPrefix(f, "--") {
					cfg.ExtraArgs = append(cfg.ExtraArgs, f)
				} else {
					cfg.Env = append(cfg.Env, f)
				}
			}
			profile := ""
			if o.cpuProfileDir != "" && i == 0 {
				profile = filepath.Join(o.cpuProfileDir, fmt.Sprintf("ks-apiserver-startup-%d.pprof", len(results)))
			}
			run, err := timeStartup(ctx, cp, cfg, "ks-apiserver-startup", profile)
			if err != nil {
				return err
			}
			r.runs = append(r.runs, run)
		}
		results = append(results, r)
	}
	fmt.Printf("\nks-apiserver over the same pods, until /readyz is ok (load %s)\n\n", fixtures.LoadAverage())
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "variant (environment, flags)\tready\tfrom process start\tCPU s at ready\tkube-apiserver CPU s\tRSS at ready\tRSS once memory returned\tpods synced after\tthen")
	for _, r := range results {
		name := r.variant
		if name == "" {
			name = "default"
		}
		for _, run := range r.runs {
			fmt.Fprintf(w, "%s\t%s\t%s\t%.1f\t%.1f\t%s\t%s\t%s\t%s\n", name, formatDuration(run.ready), formatDuration(run.fromStart),
				run.cpu, run.serverCPU, mb(run.rssReady), mb(run.rssLater), run.podsSynced, run.released)
		}
	}
	_ = w.Flush()
	return nil
}

// handover is one way of getting every pod from kube-apiserver.
type handover struct {
	took      time.Duration
	items     int
	bytes     int64
	serverCPU float64
}

type mechanism struct {
	name string
	run  func(context.Context) (handover, error)
}

// upstreamBench reads pods from kube-apiserver as the admin, over its own
// connections: with and without gzip (client-go asks for it unless
// DisableCompression is set, and kube-apiserver then compresses lists over
// 128 KB and, with its WatchListCompression feature, watch-lists).
type upstreamBench struct {
	base string
	// clients and typed (client-go clientsets by wire format, for the
	// decoded runs) by whether they accept gzip.
	clients map[bool]*http.Client
	typed   map[bool]map[string]kubernetes.Interface
}

var contentTypes = map[string]string{"protobuf": runtime.ContentTypeProtobuf, "json": runtime.ContentTypeJSON}

func newUpstreamBench(cp *controlplane.ControlPlane) (*upstreamBench, error) {
	b := &upstreamBench{base: cp.URL, clients: map[bool]*http.Client{}, typed: map[bool]map[string]kubernetes.Interface{}}
	for _, gzip := range []bool{false, true} {
		cfg := rest.CopyConfig(cp.Admin)
		cfg.QPS, cfg.Burst = -1, 0
		cfg.DisableCompression = !gzip
		client, err := rest.HTTPClientFor(cfg)
		if err != nil {
			return nil, err
		}
		client.Timeout = 10 * time.Minute
		b.clients[gzip] = client
		b.typed[gzip] = map[string]kubernetes.Interface{}
		for format, ct := range contentTypes {
			c := rest.CopyConfig(cfg)
			c.ContentType, c.AcceptContentTypes = ct, ct
			if b.typed[gzip][format], err = kubernetes.NewForConfig(c); err != nil {
				return nil, err
			}
		}
	}
	return b, nil
}

func (b *upstreamBench) mechanisms() []mechanism {
	var ms []mechanism
	add := func(name string, gzip bool, run func(ctx context.Context, gzip bool) (handover, error)) {
		if gzip {
			name += ", gzip"
		}
		ms = append(ms, mechanism{name, func(ctx context.Context) (handover, error) { return run(ctx, gzip) }})
	}
	for _, format := range []string{"protobuf", "json"} {
		for _, gzip := range []bool{false, true} {
			add("watch-list "+format+", bytes only", gzip, func(ctx context.Context, gzip bool) (handover, error) {
				return b.watchList(ctx, format, gzip, false)
			})
			add("watch-list "+format+", decoded by client-go", gzip, func(ctx context.Context, gzip bool) (handover, error) {
				return b.watchList(ctx, format, gzip, true)
			})
			add("list resourceVersion=0 "+format+", bytes only", gzip, func(ctx context.Context, gzip bool) (handover, error) {
				return b.list(ctx, format, gzip, "0", 0, false)
			})
			add("list resourceVersion=0 "+format+", decoded by client-go", gzip, func(ctx context.Context, gzip bool) (handover, error) {
				return b.list(ctx, format, gzip, "0", 0, true)
			})
		}
		add("list consistent (resourceVersion unset) "+format+", bytes only", false, func(ctx context.Context, gzip bool) (handover, error) {
			return b.list(ctx, format, gzip, "", 0, false)
		})
		add("list pages of 500, consistent, "+format+", bytes only", false, func(ctx context.Context, gzip bool) (handover, error) {
			return b.list(ctx, format, gzip, "", 500, false)
		})
		add("list pages of 500, resourceVersion=0, "+format+", bytes only", false, func(ctx context.Context, gzip bool) (handover, error) {
			return b.list(ctx, format, gzip, "0", 500, false)
		})
	}
	return ms
}

func (b *upstreamBench) get(ctx context.Context, gzip bool, query url.Values, accept string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.base+"/api/v1/pods?"+query.Encode(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	resp, err := b.clients[gzip].Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1000))
		_ = resp.Body.Close()
		return nil, fmt.Errorf("GET pods %s: %s: %s", query.Encode(), resp.Status, body)
	}
	return resp, nil
}

// list reads every pod by lists of limit items (0: one list) at
// resourceVersion rv ("": consistent), following continue tokens.
func (b *upstreamBench) list(ctx context.Context, format string, gzip bool, rv string, limit int64, decode bool) (handover, error) {
	start := time.Now()
	var h handover
	cont := ""
	for {
		if decode {
			list, err := b.typed[gzip][format].CoreV1().Pods("").List(ctx, metav1.ListOptions{ResourceVersion: rv, Limit: limit, Continue: cont})
			if err != nil {
				return h, err
			}
			h.items += len(list.Items)
			cont = list.Continue
		} else {
			q := url.Values{}
			if rv != "" && cont == "" {
				q.Set("resourceVersion", rv)
			}
			if limit > 0 {
				q.Set("limit", strconv.FormatInt(limit, 10))
			}
			if cont != "" {
				q.Set("continue", cont)
			}
			resp, err := b.get(ctx, gzip, q, contentTypes[format])
			if err != nil {
				return h, err
			}
			body, err := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if err != nil {
				return h, err
			}
			h.bytes += int64(len(body))
			var items int
			if items, cont, err = listMeta(format, body); err != nil {
				return h, err
			}
			h.items += items
		}
		if cont == "" {
			break
		}
	}
	h.took = time.Since(start)
	return h, nil
}

// listMeta reads a list's item count and continue token without decoding
// its items.
func listMeta(format string, body []byte) (items int, cont string, err error) {
	if format == "json" {
		i := bytes.Index(body, []byte(`,"items":[`))
		if i < 0 {
			return 0, "", fmt.Errorf("no items in a JSON list")
		}
		var head struct {
			Metadata metav1.ListMeta `json:"metadata"`
		}
		if err := json.Unmarshal(append(body[:i:i], '}'), &head); err != nil {
			return 0, "", err
		}
		return bytes.Count(body[i:], []byte(`{"metadata":{"name":`)), head.Metadata.Continue, nil
	}
	// "k8s\x00" + runtime.Unknown{raw: PodList{1: ListMeta, 2: items...}}.
	var unknown runtime.Unknown
	if err := unknown.Unmarshal(bytes.TrimPrefix(body, []byte("k8s\x00"))); err != nil {
		return 0, "", err
	}
	raw := unknown.Raw
	for len(raw) > 0 {
		key, n := binary.Uvarint(raw)
		if n <= 0 || key&7 != 2 {
			return 0, "", fmt.Errorf("unexpected protobuf field in a list")
		}
		raw = raw[n:]
		size, n := binary.Uvarint(raw)
		if n <= 0 || uint64(len(raw)-n) < size {
			return 0, "", fmt.Errorf("truncated protobuf list")
		}
		field := raw[n : n+int(size)]
		raw = raw[n+int(size):]
		switch key >> 3 {
		case 1:
			var lm metav1.ListMeta
			if err := lm.Unmarshal(field); err != nil {
				return 0, "", err
			}
			cont = lm.Continue
		case 2:
			items++
		}
	}
	return items, cont, nil
}

// watchList streams every pod as kube-apiserver's watch-list does for
// client-go's reflector (sendInitialEvents=true, resourceVersionMatch=
// NotOlderThan, bookmarks), until the initial-events-end bookmark.
func (b *upstreamBench) watchList(ctx context.Context, format string, gzip, decode bool) (handover, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	var h handover
	if decode {
		w, err := b.typed[gzip][format].CoreV1().Pods("").Watch(ctx, metav1.ListOptions{
			SendInitialEvents: ptr.To(true), ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan, AllowWatchBookmarks: true,
		})
		if err != nil {
			return h, err
		}
		defer w.Stop()
		for ev := range w.ResultChan() {
			switch ev.Type {
			case watch.Added:
				h.items++
			case watch.Bookmark:
				if pod, ok := ev.Object.(*corev1.Pod); ok && pod.Annotations[metav1.InitialEventsAnnotationKey] == "true" {
					h.took = time.Since(start)
					return h, nil
				}
			case watch.Error:
				return h, fmt.Errorf("watch error: %v", ev.Object)
			}
		}
		return h, errors.New("watch ended before the initial-events-end bookmark")
	}
	q := url.Values{"watch": {"1"}, "sendInitialEvents": {"true"}, "resourceVersionMatch": {"NotOlderThan"}, "allowWatchBookmarks": {"true"}}
	accept := runtime.ContentTypeJSON
	if format == "protobuf" {
		accept = runtime.ContentTypeProtobuf + ";stream=watch"
	}
	resp, err := b.get(ctx, gzip, q, accept)
	if err != nil {
		return h, err
	}
	defer resp.Body.Close()
	r := bufio.NewReaderSize(resp.Body, 1<<20)
	var frame []byte
	for {
		if format == "json" {
			// One event per line.
			frame = frame[:0]
			for {
				chunk, err := r.ReadSlice('\n')
				frame = append(frame, chunk...)
				if err == nil {
					break
				}
				if !errors.Is(err, bufio.ErrBufferFull) {
					return h, err
				}
			}
			h.bytes += int64(len(frame))
			if !bytes.HasPrefix(frame, []byte(`{"type":"BOOKMARK"`)) {
				h.items++
				continue
			}
			if bytes.Contains(frame, []byte(metav1.InitialEventsAnnotationKey)) {
				h.took = time.Since(start)
				return h, nil
			}
			continue
		}
		// Protobuf: each frame is a 4-byte big-endian length, then
		// "k8s\x00" + runtime.Unknown{raw: WatchEvent{1: type, 2: object}}.
		var size [4]byte
		if _, err := io.ReadFull(r, size[:]); err != nil {
			return h, err
		}
		n := binary.BigEndian.Uint32(size[:])
		if cap(frame) < int(n) {
			frame = make([]byte, n)
		}
		frame = frame[:n]
		if _, err := io.ReadFull(r, frame); err != nil {
			return h, err
		}
		h.bytes += int64(n) + 4
		var event metav1.WatchEvent
		if err := event.Unmarshal(frame); err != nil {
			return h, fmt.Errorf("watch event: %w", err)
		}
		if event.Type != string(watch.Bookmark) {
			h.items++
			continue
		}
		if bytes.Contains(event.Object.Raw, []byte(metav1.InitialEventsAnnotationKey)) {
			h.took = time.Since(start)
			return h, nil
		}
	}
}

type startupRun struct {
	ready, fromStart   time.Duration
	cpu, serverCPU     float64
	rssReady, rssLater int64
	podsSynced         string
	released           string
}

// timeStartup starts a ks-apiserver named name (not registered with the
// aggregator), times it until /readyz is ok, reads its RSS then and once
// it returned its start-up memory, and stops it; with profile set, it
// writes a CPU profile of its start-up there, taken through its
// /debug/pprof.
func timeStartup(ctx context.Context, cp *controlplane.ControlPlane, cfg controlplane.KSConfig, name, profile string) (startupRun, error) {
	cfg.Name = name
	var run startupRun
	serverBefore := cpuSeconds(cp.Processes(), "kube-apiserver")
	start := time.Now()
	ks, err := cp.RunKSAPIServer(ctx, cfg)
	if err != nil {
		return run, err
	}
	defer ks.Process.Stop(15 * time.Second)
	client, err := ks.HTTPClient()
	if err != nil {
		return run, err
	}
	profileDone := make(chan error, 1)
	if profile != "" {
		go func() { profileDone <- fetchProfile(ctx, cp, ks, profile) }()
	} else {
		profileDone <- nil
	}
	for {
		if ctx.Err() != nil {
			return run, ctx.Err()
		}
		resp, err := client.Get(ks.URL + "/readyz")
		if err == nil {
			// Drained, so that the next poll reuses the connection: a TLS
			// handshake per poll cost ks-apiserver 2 s of CPU in a 45 s start-up.
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if exited, err := ks.Process.Exited(); exited {
			return run, fmt.Errorf("ks-apiserver exited: %v (log %s)", err, ks.Process.LogFile)
		}
		time.Sleep(20 * time.Millisecond)
	}
	now := time.Now()
	run.ready = now.Sub(start)
	run.fromStart = now.Sub(ks.Process.Started)
	run.cpu = processCPUSeconds(ks.Process.PID())
	run.serverCPU = cpuSeconds(cp.Processes(), "kube-apiserver") - serverBefore
	run.rssReady = rss(ks.Process.PID())
	run.released = waitReleased(ctx, ks.Process.LogFile)
	run.rssLater = rss(ks.Process.PID())
	if err := <-profileDone; err != nil {
		step("no CPU profile: %v", err)
	}
	log, _ := os.ReadFile(ks.Process.LogFile)
	run.podsSynced = logField(log, `"Upstream cache synced" resource="pods"`, "after")
	return run, nil
}

// fetchProfile writes a CPU profile of ks-apiserver's first profileSeconds.
func fetchProfile(ctx context.Context, cp *controlplane.ControlPlane, ks *controlplane.KSAPIServer, file string) error {
	cfg := rest.CopyConfig(cp.Admin)
	cfg.Host = ks.URL
	cfg.TLSClientConfig.CAData, cfg.TLSClientConfig.CAFile = ks.CAPEM, ""
	client, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return err
	}
	var resp *http.Response
	// Until its client CA is loaded, ks-apiserver takes the admin for
	// anonymous: ask again.
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, ks.URL+"/debug/pprof/profile?seconds="+strconv.Itoa(profileSeconds), nil)
		if err != nil {
			return err
		}
		if resp, err = client.Do(req); err != nil {
			return err
		}
		if resp.StatusCode == http.StatusOK {
			break
		}
		_ = resp.Body.Close()
		if attempt == 50 || (resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusUnauthorized) {
			return fmt.Errorf("GET /debug/pprof/profile: %s", resp.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	step("CPU profile of ks-apiserver's start-up: %s", file)
	return os.WriteFile(file, data, 0o644)
}

// logField finds the first klog line containing marker and returns the
// value of key=... in it.
func logField(log []byte, marker, key string) string {
	for _, line := range strings.Split(string(log), "\n") {
		if !strings.Contains(line, marker) {
			continue
		}
		m := regexp.MustCompile(`\b` + regexp.QuoteMeta(key) + `="?([^" ]+)"?`).FindStringSubmatch(line)
		if m != nil {
			return m[1]
		}
	}
	return ""
}

func mbString(bytes string) string {
	n, err := strconv.ParseInt(bytes, 10, 64)
	if err != nil {
		return bytes
	}
	return mb(n)
}

// clockTicks is USER_HZ, what /proc/<pid>/stat counts CPU time in.
const clockTicks = 100

// procStat returns the fields of /proc/<pid>/stat after the command name.
func procStat(pid int) []string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(string(data[i+1:]))
}

// processCPUSeconds is the user and system CPU time of a process.
func processCPUSeconds(pid int) float64 {
	f := procStat(pid)
	if len(f) < 13 {
		return -1
	}
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / clockTicks
}

// cpuSeconds is the CPU time of the named control-plane process.
func cpuSeconds(ps []*controlplane.Process, name string) float64 {
	for _, p := range ps {
		if p.Name == name {
			return processCPUSeconds(p.PID())
		}
	}
	return -1
}

// profileSeconds is how long the CPU profile of a start-up runs, from /livez.
var profileSeconds = 20
