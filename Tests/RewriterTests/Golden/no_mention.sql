SELECT token FROM coordizer_vocabulary WHERE token = $1
