// go-shop: a small Go workload for Firesight's pprof sample profiles.
//
// Request handlers run under pprof labels (endpoint=/orders, /cart, and a
// numeric "shard" label); renderReport burns CPU (with an inlined helper and
// a recursive renderTree), encodeJSON allocates, auditLog leaks into a
// global slice, workers contend on stockMu and block on an unbuffered
// channel. It writes cpu, heap, allocs, mutex, block and goroutine profiles
// with runtime/pprof into -out.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"sync"
	"time"
)

type order struct {
	ID    int               `json:"id"`
	Items []string          `json:"items"`
	Attrs map[string]string `json:"attrs"`
	Total float64           `json:"total"`
}

var (
	stockMu sync.Mutex
	stock   = map[string]int{}

	auditMu  sync.Mutex
	auditLog [][]byte // grows forever: the leak

	sink int
)

// checksum is small enough to be inlined into its callers.
func checksum(b []byte) int {
	h := 7
	for _, c := range b {
		h = h*31 + int(c)
	}
	return h
}

// renderTree recurses, so cum is counted once per sample.
func renderTree(depth, width int) int {
	if depth == 0 {
		s := 0
		for i := 0; i < 2000; i++ {
			s += i * i % 7
		}
		return s
	}
	s := 0
	for i := 0; i < width; i++ {
		s += renderTree(depth-1, width)
	}
	return s
}

func renderReport(r *rand.Rand) int {
	xs := make([]float64, 4000)
	for i := range xs {
		xs[i] = r.Float64()
	}
	sort.Float64s(xs)
	return renderTree(3, 4) + int(xs[0]*10)
}

func encodeJSON(r *rand.Rand, id int) []byte {
	o := order{ID: id, Attrs: map[string]string{}}
	for i := 0; i < 20+r.Intn(20); i++ {
		o.Items = append(o.Items, "sku-"+strconv.Itoa(r.Intn(100000)))
		o.Attrs["k"+strconv.Itoa(i)] = fmt.Sprintf("value-%d", r.Int())
	}
	o.Total = r.Float64() * 100
	b, err := json.Marshal(o)
	if err != nil {
		log.Fatal(err)
	}
	return b
}

// recordAudit is kept out of line so the heap profile names the leak.
//
//go:noinline
func recordAudit(b []byte) {
	c := make([]byte, len(b))
	copy(c, b)
	auditMu.Lock()
	auditLog = append(auditLog, c)
	auditMu.Unlock()
}

func reserveStock(sku string) {
	stockMu.Lock()
	stock[sku]++
	time.Sleep(50 * time.Microsecond) // held while sleeping: contention
	stockMu.Unlock()
}

func handleOrders(r *rand.Rand, id int) {
	b := encodeJSON(r, id)
	sink += checksum(b)
	recordAudit(b)
	reserveStock("sku-" + strconv.Itoa(id%8))
	sink += renderReport(r)
}

func handleCart(r *rand.Rand, id int) {
	b := encodeJSON(r, id)
	sink += checksum(b)
	reserveStock("sku-" + strconv.Itoa(id%3))
}

// worker serves requests under labels until the deadline.
func worker(w int, deadline time.Time, wg *sync.WaitGroup) {
	defer wg.Done()
	r := rand.New(rand.NewSource(int64(w)))
	for id := 0; time.Now().Before(deadline); id++ {
		shard := strconv.Itoa(w % 2)
		if id%3 == 0 {
			pprof.Do(context.Background(), pprof.Labels("endpoint", "/cart", "shard", shard), func(context.Context) { handleCart(r, id) })
		} else {
			pprof.Do(context.Background(), pprof.Labels("endpoint", "/orders", "shard", shard), func(context.Context) { handleOrders(r, id) })
		}
	}
}

// pipeline blocks on an unbuffered channel: the consumer is slow.
func pipeline(deadline time.Time, wg *sync.WaitGroup) {
	defer wg.Done()
	ch := make(chan int)
	done := make(chan struct{})
	go func() {
		for v := range ch {
			time.Sleep(200 * time.Microsecond)
			sink += v
		}
		close(done)
	}()
	for i := 0; time.Now().Before(deadline); i++ {
		ch <- i
	}
	close(ch)
	<-done
}

func write(dir, name string, f func(*os.File) error) {
	out, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		log.Fatal(err)
	}
	if err := f(out); err != nil {
		log.Fatal(err)
	}
	if err := out.Close(); err != nil {
		log.Fatal(err)
	}
}

func main() {
	dir := flag.String("out", ".", "directory for the .pb.gz profiles")
	secs := flag.Float64("seconds", 2, "how long the workload runs")
	workers := flag.Int("workers", 4, "request workers")
	flag.Parse()

	runtime.MemProfileRate = 64 * 1024
	runtime.SetMutexProfileFraction(1)
	runtime.SetBlockProfileRate(10000) // one event per 10 µs blocked

	cpu, err := os.Create(filepath.Join(*dir, "cpu.pb.gz"))
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		log.Fatal(err)
	}
	deadline := time.Now().Add(time.Duration(*secs * float64(time.Second)))
	var wg sync.WaitGroup
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go worker(w, deadline, &wg)
	}
	wg.Add(1)
	go pipeline(deadline, &wg)

	// Goroutines parked at snapshot time, for the goroutine profile.
	park := make(chan struct{})
	for i := 0; i < 3; i++ {
		go func() { <-park }()
	}
	time.Sleep(time.Duration(*secs * float64(time.Second) / 2))
	write(*dir, "goroutine.pb.gz", func(f *os.File) error { return pprof.Lookup("goroutine").WriteTo(f, 0) })
	wg.Wait()
	close(park)
	pprof.StopCPUProfile()
	if err := cpu.Close(); err != nil {
		log.Fatal(err)
	}

	runtime.GC()
	write(*dir, "heap.pb.gz", func(f *os.File) error { return pprof.Lookup("heap").WriteTo(f, 0) })
	write(*dir, "allocs.pb.gz", func(f *os.File) error { return pprof.Lookup("allocs").WriteTo(f, 0) })
	write(*dir, "mutex.pb.gz", func(f *os.File) error { return pprof.Lookup("mutex").WriteTo(f, 0) })
	write(*dir, "block.pb.gz", func(f *os.File) error { return pprof.Lookup("block").WriteTo(f, 0) })
	fmt.Printf("audit entries leaked: %d, sink %d\n", len(auditLog), sink%10)
}
