"""Reports from results, never a solve: comparisons of runs (tables, Markdown, the offline
HTML page), maps and GIS layers, and the one SVG chart kit the HTML pages share."""
