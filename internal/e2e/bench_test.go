package e2e

import (
	"os/exec"
	"sort"
	"testing"
	"time"
)

// Cold `xrole process`: instance metadata, then AssumeRole. STS is moto
// itself here, not the guard, whose policy checks would add their own IAM
// calls to every AssumeRole. The baseline, in the same run, is the cost of
// starting the binary at all (`xrole version`). Both report the median wall
// time of their runs besides the mean.
//
//	go test ./internal/e2e -run '^$' -bench . -benchtime 41x
func BenchmarkProcessCold(b *testing.B) {
	e := newEnv(b)
	e.config(prodProfile)
	e.vars["AWS_ENDPOINT_URL_STS"] = moto.URL
	e.vars["XROLE_CACHE"] = "none" // every run cold
	timeRuns(b, func() {
		if r := e.run(nil, xroleBin, "process", "prod"); r.code != 0 {
			b.Fatalf("exit %d: %s", r.code, r.stderr)
		}
	})
}

func BenchmarkStartBaseline(b *testing.B) {
	timeRuns(b, func() {
		if err := exec.Command(xroleBin, "version").Run(); err != nil {
			b.Fatal(err)
		}
	})
}

func timeRuns(b *testing.B, run func()) {
	took := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		run()
		took = append(took, time.Since(start))
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	b.ReportMetric(float64(took[len(took)/2])/float64(time.Millisecond), "median-ms")
}
