// Times are formatted in one place: components/ui/time.tsx (formatTime and <Time>, in the viewer's zone).
