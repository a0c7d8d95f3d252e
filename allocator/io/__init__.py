"""Files in and out: one atomic writer, result folders with every CSV, scenario files, the
importer of planners' tables and GIS layers, and the synthetic county generator."""
