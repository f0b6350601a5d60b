package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc CPU times: 100 on every Linux
// that Go supports.
const clockTicks = 100

// memory is a process's resident set from /proc/PID/status, in MiB.
type memory struct {
	RSS float64 // VmRSS: now
	HWM float64 // VmHWM: the peak since the process started
}

// readMemory reads VmRSS and VmHWM of pid.
func readMemory(pid int) (memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, fmt.Errorf("read memory of %d: %w", pid, err)
	}
	defer f.Close()
	var m memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 64)
		if err != nil {
			return memory{}, fmt.Errorf("read memory of %d: %s: %w", pid, key, err)
		}
		if key == "VmRSS" {
			m.RSS = kb / 1024
		} else {
			m.HWM = kb / 1024
		}
	}
	return m, sc.Err()
}

// rssSampler records the largest VmRSS of a process, sampled every
// interval until stop.
type rssSampler struct {
	pid  int
	mu   sync.Mutex
	peak float64
	quit chan struct{}
	done chan struct{}
}

// sampleRSS starts sampling pid.
func sampleRSS(pid int, interval time.Duration) *rssSampler {
	s := &rssSampler{pid: pid, quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-s.quit:
				s.sample()
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *rssSampler) sample() {
	m, err := readMemory(s.pid)
	if err != nil {
		return
	}
	s.mu.Lock()
	s.peak = max(s.peak, m.RSS)
	s.mu.Unlock()
}

// stop ends the sampling and returns the peak in MiB.
func (s *rssSampler) stop() float64 {
	close(s.quit)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// processCPU returns the user plus system CPU time pid has used.
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read CPU time of %d: %w", pid, err)
	}
	// Fields after the command name, which is in parentheses and may hold
	// spaces: state is field 3, utime 14 and stime 15.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("read CPU time of %d: unexpected /proc/%d/stat", pid, pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("read CPU time of %d: unexpected /proc/%d/stat", pid, pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("read CPU time of %d: unexpected /proc/%d/stat", pid, pid)
	}
	return ticks(utime + stime), nil
}

// selfCPU returns the CPU time this process (the load generator) has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// machineBusy returns the CPU time all processes have used, from the first
// line of /proc/stat (user, nice, system, irq, softirq, steal).
func machineBusy() (time.Duration, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, fmt.Errorf("read /proc/stat: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, fmt.Errorf("read /proc/stat: unexpected first line %q", line)
	}
	var busy int64
	for _, i := range []int{1, 2, 3, 6, 7, 8} {
		n, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("read /proc/stat: %w", err)
		}
		busy += n
	}
	return ticks(busy), nil
}

func ticks(n int64) time.Duration { return time.Duration(n) * time.Second / clockTicks }

// cpuWatch measures, over a span, the CPU time of the processes under
// test, of the load generator and of everything else on the machine (the
// other processes that compete for the same cores).
type cpuWatch struct {
	pids    []int
	at      time.Time
	procs   []time.Duration
	self    time.Duration
	machine time.Duration
}

// CPUUse is what a cpuWatch measured, in CPU seconds (cores × seconds).
type CPUUse struct {
	Seconds float64 `json:"seconds"`
	// Server is the process under test; Others the helpers started with it
	// (the receiver); Load this runner (the load generator).
	Server float64 `json:"server_cpu_seconds"`
	Others float64 `json:"helpers_cpu_seconds,omitempty"`
	Load   float64 `json:"load_generator_cpu_seconds"`
	// Outside is every other process on the machine: competition that the
	// numbers do not control for. OutsideCores is Outside / Seconds.
	Outside      float64 `json:"outside_cpu_seconds"`
	OutsideCores float64 `json:"outside_cores"`
}

// watchCPU starts measuring; pids[0] is the server under test.
func watchCPU(pids ...int) *cpuWatch {
	w := &cpuWatch{pids: pids, at: time.Now(), self: selfCPU()}
	w.machine, _ = machineBusy()
	for _, pid := range pids {
		d, _ := processCPU(pid)
		w.procs = append(w.procs, d)
	}
	return w
}

// stop returns the use since watchCPU.
func (w *cpuWatch) stop() CPUUse {
	u := CPUUse{Seconds: time.Since(w.at).Seconds(), Load: (selfCPU() - w.self).Seconds()}
	ours := u.Load
	for i, pid := range w.pids {
		d, err := processCPU(pid)
		if err != nil {
			continue
		}
		s := (d - w.procs[i]).Seconds()
		if i == 0 {
			u.Server = s
		} else {
			u.Others += s
		}
		ours += s
	}
	if m, err := machineBusy(); err == nil {
		u.Outside = max((m-w.machine).Seconds()-ours, 0)
	}
	if u.Seconds > 0 {
		u.OutsideCores = u.Outside / u.Seconds
	}
	return u
}
