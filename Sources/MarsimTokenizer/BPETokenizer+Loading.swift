// Building a BPETokenizer from a decoded tokenizer.json: every feature is either mapped to
// its implementation or reported as unsupported, naming the feature and where it sits.

extension BPETokenizer {
    /// The tokenizer described by `json`, read from `file` (used in error messages).
    ///
    /// - Throws: ``TokenizerError/unsupported(file:feature:)`` for a feature marsim does not
    ///   implement; ``TokenizerError/malformed(file:detail:)`` for an inconsistent file (a
    ///   merge of tokens not in the vocabulary, a template naming an undefined token, …).
    init(json: TokenizerJSON, file: String) throws {
        func unsupported(_ feature: String) -> TokenizerError { .unsupported(file: file, feature: feature) }
        func malformed(_ detail: String) -> TokenizerError { .malformed(file: file, detail: detail) }

        let modelJSON: BPEModelJSON
        switch json.model {
        case let .bpe(bpe): modelJSON = bpe
        case let .unsupported(type): throw unsupported("model type '\(type)' at model.type")
        }
        try Self.checkNormalizer(json.normalizer, unsupported: unsupported)
        let preTokenizer = try Self.preTokenizer(json.preTokenizer, unsupported: unsupported)
        let model = try Self.model(modelJSON, unsupported: unsupported, malformed: malformed)
        let templates = try Self.templates(json.postProcessor, unsupported: unsupported, malformed: malformed)
        let decodesBytes = try Self.decodesBytes(json.decoder, unsupported: unsupported)

        // Like vocabulary ids (see `model`), written ids must index a dense table.
        if let bad = json.addedTokens.first(where: { !(0 ..< 1 << 24).contains($0.id) }) {
            throw malformed("added_tokens entry '\(bad.content)' has id \(bad.id), outside 0..<16777216")
        }
        let tokens = Self.addedTokens(json.addedTokens, vocab: modelJSON.vocab)
        var idsByToken = modelJSON.vocab
        for token in tokens { idsByToken[token.content] = token.id }
        let size = (idsByToken.values.max() ?? -1) + 1
        var tokensByID = [String?](repeating: nil, count: size)
        for (token, id) in modelJSON.vocab { tokensByID[id] = token }
        for token in tokens { tokensByID[token.id] = token.content }  // added tokens win, as in tokenizers

        self.file = file
        self.rawAddedTokens = AddedTokenSplitter(tokens.filter { !$0.normalized })
        self.normalizedAddedTokens = AddedTokenSplitter(tokens.filter(\.normalized))
        self.preTokenizer = preTokenizer
        self.model = model
        self.templates = templates
        self.decodesBytes = decodesBytes
        self.tokensByID = tokensByID
        self.specialIDs = Set(tokens.filter(\.special).map(\.id))
        self.idsByToken = idsByToken
    }

    /// The added tokens with the ids `tokenizers` gives them, which ignores the `id` written
    /// in the file: a token in the model's vocabulary takes that id; any other takes the next
    /// id after the vocabulary and the tokens added before it. A repeated content keeps its
    /// first id and takes the later entry's flags. (Consistent files get their written ids.)
    private static func addedTokens(_ entries: [AddedTokenJSON], vocab: [String: Int]) -> [AddedToken] {
        var tokens: [AddedToken] = []
        var indexByContent: [String: Int] = [:]
        var largestID = -1
        for entry in entries {
            var token = AddedToken(id: 0, content: entry.content, singleWord: entry.singleWord, lstrip: entry.lstrip,
                                   rstrip: entry.rstrip, normalized: entry.normalized, special: entry.special)
            if let index = indexByContent[entry.content] {
                token.id = tokens[index].id
                tokens[index] = token
                continue
            }
            if let id = vocab[entry.content] {
                token.id = id
            } else {
                token.id = largestID >= vocab.count ? largestID + 1 : vocab.count
            }
            largestID = max(largestID, token.id)
            indexByContent[entry.content] = tokens.count
            tokens.append(token)
        }
        return tokens
    }

    /// marsim implements no normalizer: `null` or an empty `Sequence` only.
    private static func checkNormalizer(
        _ normalizer: NormalizerJSON?, unsupported: (String) -> TokenizerError
    ) throws {
        switch normalizer {
        case nil:
            return
        case let .sequence(steps):
            for step in steps { try checkNormalizer(step, unsupported: unsupported) }
        case let .unsupported(type, path):
            throw unsupported("normalizer type '\(type)' at \(path)")
        }
    }

    /// Flattens the pre-tokenizer into `Split` steps followed by one `ByteLevel` step.
    private static func preTokenizer(
        _ json: PreTokenizerJSON?, unsupported: (String) -> TokenizerError
    ) throws -> PreTokenizer {
        guard let json else {
            throw unsupported("no pre_tokenizer (a byte-level BPE tokenizer needs a ByteLevel pre-tokenizer)")
        }
        var flat: [PreTokenizerJSON] = []
        func flatten(_ json: PreTokenizerJSON) {
            if case let .sequence(steps) = json { steps.forEach(flatten) } else { flat.append(json) }
        }
        flatten(json)

        var splits: [SplitStep] = []
        var byteLevel: ByteLevelStep?
        for step in flat {
            if byteLevel != nil {
                throw unsupported("a pre-tokenizer after ByteLevel (ByteLevel must come last in the Sequence)")
            }
            switch step {
            case let .split(pattern, behaviorName, invert, path):
                guard let behavior = SplitBehavior(rawValue: behaviorName) else {
                    throw unsupported("Split behavior '\(behaviorName)' at \(path)")
                }
                let splitPattern: SplitPattern
                switch pattern {
                case let .string(literal):
                    splitPattern = SplitPattern(literal: literal)
                case let .regex(regex):
                    guard let known = SplitPattern(regex: regex) else {
                        throw unsupported("Split regex pattern at \(path) (only the GPT-2, Llama-3 and Qwen2 "
                            + "patterns are implemented): \(regex)")
                    }
                    splitPattern = known
                }
                splits.append(SplitStep(pattern: splitPattern, behavior: behavior, invert: invert))
            case let .byteLevel(addPrefixSpace, useRegex, _):
                byteLevel = ByteLevelStep(addPrefixSpace: addPrefixSpace, useRegex: useRegex)
            case let .unsupported(type, path):
                throw unsupported("pre_tokenizer type '\(type)' at \(path)")
            case .sequence:
                fatalError("unreachable: sequences are flattened")
            }
        }
        guard let byteLevel else {
            throw unsupported("pre_tokenizer without ByteLevel (not a byte-level BPE tokenizer)")
        }
        return PreTokenizer(splits: splits, byteLevel: byteLevel)
    }

    /// The BPE model: byte-level vocabulary and merges keyed by token ids.
    private static func model(
        _ json: BPEModelJSON, unsupported: (String) -> TokenizerError, malformed: (String) -> TokenizerError
    ) throws -> BPEModel {
        if let dropout = json.dropout, dropout > 0 { throw unsupported("BPE dropout \(dropout) at model.dropout") }
        if json.byteFallback { throw unsupported("BPE byte_fallback at model.byte_fallback") }
        if let prefix = json.continuingSubwordPrefix, !prefix.isEmpty {
            throw unsupported("BPE continuing_subword_prefix '\(prefix)' at model.continuing_subword_prefix")
        }
        if let suffix = json.endOfWordSuffix, !suffix.isEmpty {
            throw unsupported("BPE end_of_word_suffix '\(suffix)' at model.end_of_word_suffix")
        }

        var idsByBytes: [ByteKey: Int32] = [:]
        idsByBytes.reserveCapacity(json.vocab.count)
        for (token, id) in json.vocab {
            // Ids index dense tables; no real vocabulary comes near 2^24 entries.
            guard id >= 0, id < 1 << 24 else {
                throw malformed("model.vocab entry '\(token)' has id \(id), outside 0..<16777216")
            }
            // Entries outside the byte alphabet can never come out of byte-level BPE.
            if let bytes = ByteLevelAlphabet.bytes(of: token) { idsByBytes[ByteKey(bytes[...])] = Int32(id) }
        }

        // Byte-level tokens are looked up by their bytes: hashing a String normalizes it
        // first, which made these lookups most of the loading time.
        func id(of token: String) -> Int32? {
            guard let bytes = ByteLevelAlphabet.bytes(of: token) else { return json.vocab[token].map(Int32.init) }
            return idsByBytes[ByteKey(bytes[...])]
        }
        var merges: [UInt64: BPEModel.Merge] = [:]
        merges.reserveCapacity(json.merges.count)
        for (rank, merge) in json.merges.enumerated() {
            guard merge.parts.count == 2 else {
                throw malformed("model.merges[\(rank)] '\(merge.parts.joined(separator: " "))' is not two tokens")
            }
            let tokens = [merge.parts[0], merge.parts[1], merge.parts[0] + merge.parts[1]]
            let ids = tokens.map(id(of:))
            guard let left = ids[0], let right = ids[1], let merged = ids[2] else {
                let missing = tokens[ids.firstIndex(of: nil)!]
                throw malformed("model.merges[\(rank)] '\(merge.parts.joined(separator: " "))': '\(missing)' is not in model.vocab")
            }
            // A repeated pair takes its last rank, as in tokenizers (the map is built in order).
            merges[BPEModel.pairKey(left, right)] = BPEModel.Merge(rank: Int32(rank), id: merged)
        }

        var unknownID: Int32?
        if let unk = json.unkToken {
            guard let id = json.vocab[unk] else { throw malformed("model.unk_token '\(unk)' is not in model.vocab") }
            unknownID = Int32(id)
        }
        return BPEModel(idsByBytes: idsByBytes, merges: merges, ignoreMerges: json.ignoreMerges,
                        unknownID: unknownID, fuseUnknown: json.fuseUnk)
    }

    /// The `single` templates of the post-processor, in the order they apply.
    private static func templates(
        _ json: PostProcessorJSON?, unsupported: (String) -> TokenizerError, malformed: (String) -> TokenizerError
    ) throws -> [TemplateProcessor] {
        switch json {
        case nil, .byteLevel?:
            return []
        case let .sequence(steps)?:
            return try steps.flatMap { try templates($0, unsupported: unsupported, malformed: malformed) }
        case let .unsupported(type, path)?:
            throw unsupported("post_processor type '\(type)' at \(path)")
        case let .template(single, specialTokens, path)?:
            let pieces = try single.enumerated().map { index, piece -> TemplateProcessor.Piece in
                switch piece {
                case let .specialToken(name):
                    guard let special = specialTokens[name] else {
                        throw malformed("\(path).single[\(index)] names '\(name)', which is not in \(path).special_tokens")
                    }
                    return .special(special.ids)
                case let .sequence(name):
                    guard name == "A" else {
                        throw malformed("\(path).single[\(index)] is sequence '\(name)'; a single template has only 'A'")
                    }
                    return .text
                }
            }
            return [TemplateProcessor(pieces: pieces)]
        }
    }

    /// Whether decoding spells bytes (a `ByteLevel` decoder) or joins token strings with
    /// spaces (no decoder, as in tokenizers).
    private static func decodesBytes(_ json: DecoderJSON?, unsupported: (String) -> TokenizerError) throws -> Bool {
        switch json {
        case nil:
            return false
        case .byteLevel?:
            return true
        case let .sequence(steps)?:
            guard steps.count == 1 else { throw unsupported("decoder Sequence of \(steps.count) decoders") }
            return try decodesBytes(steps[0], unsupported: unsupported)
        case let .unsupported(type, path)?:
            throw unsupported("decoder type '\(type)' at \(path)")
        }
    }
}
