SELECT NULL::god_vocabulary_profiles
