UPDATE god_vocabulary_profiles SET usage_count = usage_count + 1, last_used = DEFAULT WHERE god_name = $1 RETURNING id, usage_count
