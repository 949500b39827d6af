enum _PlaceholderScritorioAPI {}
