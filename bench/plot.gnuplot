# plot.gnuplot — charts of a bench run: gnuplot -e "dir='bench/results/STAMP'" bench/plot.gnuplot
# throughput.png: messages/s over time (1 s bins, first repetition) in the
# drain and slow-provider scenarios; cpu.png: busy CPU seconds of the machine
# per 1,000 messages (median), with the simulator's share.
if (!exists("dir")) dir = '.'
set terminal pngcairo size 1200,800 font ",10"
set datafile separator " "

set output dir.'/throughput.png'
set multiplot layout 2,1 title "Throughput over time (messages/s; 1 s bins, 0.25 s for runs under 20 s; repetition 1)"
do for [sc in "drain slow"] {
	files = system('ls '.dir.'/tput.'.sc.'.*.dat 2>/dev/null')
	set title (sc eq "drain" ? "Drain: simulator answers at once" : "Slow provider: every answer delayed 50 ms")
	set xlabel "seconds since first claim"
	set ylabel "messages/s"
	set key outside right
	set grid
	if (strlen(files) > 0) {
		plot for [f in files] f using 1:2 with lines lw 2 \
			title system('basename '.f.' .dat | sed "s/^tput\.[a-z]*\.//"')
	} else {
		unset key; plot 0 notitle; set key
	}
}
unset multiplot

set output dir.'/cpu.png'
unset xlabel
set title "Busy CPU seconds of the whole machine per 1,000 messages (median, tuned contenders); simulator share"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set ylabel "CPU s / 1,000 messages"
set xtics rotate by -30 left
set key top left
set grid ytics
plot dir.'/cpu.dat' using 2:xtic(1) title "whole machine", '' using 3 title "simulator"

# rss.png: worker memory against messages drained in the growth scenario
# (sum over the flowcomm worker processes; VmRSS includes the shared_buffers
# pages touched, RssAnon is private memory).
gfiles = system('for f in $(ls -v '.dir.'/growth.flowcomm.*.series 2>/dev/null); do [ $(grep -c " [0-9]* [0-9]* [0-9]" $f) -gt 1 ] && echo $f; done')
if (strlen(gfiles) > 0) {
	set output dir.'/rss.png'
	set style data lines
	unset xtics; set xtics auto norotate
	set title "flowcomm worker memory during the growth drains (sum over workers)"
	set xlabel "messages sent in this drain"
	set ylabel "MB"
	set key top left
	plot for [f in gfiles] f using 2:($3/1024) with lines lw 2 title 'VmRSS '.system('basename '.f.' .series | sed "s/growth.flowcomm.//"'), \
	     for [f in gfiles] f using 2:($4/1024) with lines lw 2 dt 2 title 'RssAnon '.system('basename '.f.' .series | sed "s/growth.flowcomm.//"')
}
