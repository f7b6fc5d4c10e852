//! The packed R-tree of scope boxes in 3-D (the first tier), bulk-loaded by
//! sort-tile-recursive packing and walked for groups of nearby incidents.

use super::*;

/// The R-tree, bulk-loaded once and never changed, in flat arrays: nodes of `TREE_LANES`
/// children, each node's boxes axis by axis so that testing them is a few vector
/// comparisons without branches, and each node's children in a row (entries or nodes), so
/// that a child is found by adding its lane to an index.
///
/// Boxes are `f32`, rounded outwards: half the bytes of `f64` for 0.6 m of slack, and the
/// tree is what every query walks. A node is three cache lines.
///
/// Built by sort-tile-recursive packing (Leutenegger, Lopez and Edgington, 1997), level by
/// level from the leaves up, so that every node but the last of a level is full. rstar's
/// tree, which this replaces, measured 30 to 45 % of the matcher's time: its nodes were
/// vectors of 56-byte children, an enum to branch on, box tests with early exits that are
/// hard to predict, and, from its bulk loading, leaves of two or three entries.
#[derive(Debug, Default)]
pub(super) struct PackedTree {
    /// Root first; none when nothing is indexed.
    pub(super) nodes: Vec<TreeNode>,
    /// Per node, where its children start: an index into `nodes`, or `TREE_LEAF_BIT` and
    /// the index of its first entry, which is a shape index.
    pub(super) firsts: Vec<u32>,
}

/// One node's boxes, a lane per child, `lower` then `upper` and axis by axis. Unused lanes
/// hold an empty box.
#[derive(Debug, Clone)]
#[repr(C, align(64))]
pub(super) struct TreeNode {
    pub(super) lower: [[f32; TREE_LANES]; 3],
    pub(super) upper: [[f32; TREE_LANES]; 3],
}

/// Entries that `PackedTree::gather` found, packed `TREE_LANES` to a node, with their shape
/// indices.
#[derive(Debug, Default)]
pub(super) struct Gathered {
    pub(super) nodes: Vec<TreeNode>,
    pub(super) shape_idxs: Vec<u32>,
}

/// A box in the tree's `f32`: a query's, an entry's or a node's.
#[derive(Debug, Clone, Copy)]
pub(super) struct QueryBox {
    pub(super) lower: [f32; 3],
    pub(super) upper: [f32; 3],
}

impl QueryBox {
    /// The smallest `f32` box holding `envelope`, and some.
    pub(super) fn from_envelope(envelope: &Envelope) -> QueryBox {
        let [lower, upper] = [envelope.lower, envelope.upper];
        // Below 2 in magnitude, rounding to f32 moves a value by at most 1.2e-7.
        QueryBox {
            lower: [0, 1, 2].map(|axis| (lower[axis] - F32_MARGIN) as f32),
            upper: [0, 1, 2].map(|axis| (upper[axis] + F32_MARGIN) as f32),
        }
    }

    pub(super) fn union(&self, other: &QueryBox) -> QueryBox {
        QueryBox {
            lower: [0, 1, 2].map(|axis| self.lower[axis].min(other.lower[axis])),
            upper: [0, 1, 2].map(|axis| self.upper[axis].max(other.upper[axis])),
        }
    }

    /// Whether the two boxes share a point (their sides included).
    pub(super) fn meets(&self, other: &QueryBox) -> bool {
        (0..3).all(|axis| self.lower[axis] <= other.upper[axis] && other.lower[axis] <= self.upper[axis])
    }

    /// The longest side.
    pub(super) fn side_max(&self) -> f32 {
        (0..3).map(|axis| self.upper[axis] - self.lower[axis]).fold(0.0, f32::max)
    }

    /// Twice the centre along `axis`, by which boxes are sorted when the tree is packed.
    pub(super) fn center_2(&self, axis: usize) -> f32 {
        self.lower[axis] + self.upper[axis]
    }
}

impl PackedTree {
    /// Packs the entries with these boxes; returns the tree and the entries in its leaf
    /// order, in which shape `shape_idx` is entry `order[shape_idx]`.
    pub(super) fn new(boxes: &[QueryBox]) -> (PackedTree, Vec<usize>) {
        let mut order: Vec<usize> = (0..boxes.len()).collect();
        tile_order(&mut order, |entry_idx| &boxes[entry_idx]);
        // Levels from the leaves up; each node with its box and where its children start
        // (in the level below, or `order`).
        let mut levels: Vec<Vec<(TreeNode, QueryBox, u32)>> = Vec::new();
        let mut level: Vec<(TreeNode, QueryBox, u32)> = order
            .chunks(TREE_LANES)
            .enumerate()
            .map(|(node_idx, entries)| {
                let first = TREE_LEAF_BIT | index_u31(node_idx * TREE_LANES);
                packed_node(entries.iter().map(|&entry_idx| &boxes[entry_idx]), first)
            })
            .collect();
        while level.len() > 1 {
            let mut node_order: Vec<usize> = (0..level.len()).collect();
            tile_order(&mut node_order, |node_idx| &level[node_idx].1);
            let mut children: Vec<Option<(TreeNode, QueryBox, u32)>> = level.into_iter().map(Some).collect();
            let tiled: Vec<(TreeNode, QueryBox, u32)> = node_order
                .iter()
                .map(|&node_idx| children[node_idx].take().expect("tile_order is a permutation"))
                .collect();
            level = tiled
                .chunks(TREE_LANES)
                .enumerate()
                .map(|(node_idx, nodes)| {
                    packed_node(nodes.iter().map(|node| &node.1), index_u31(node_idx * TREE_LANES))
                })
                .collect();
            levels.push(tiled);
        }
        levels.push(level);
        // Every level but the root's is full but for its last node, so there are at most
        // 11 levels below 2^31 entries (which `index_u31` checks).
        assert!(levels.len() <= TREE_DEPTH_MAX, "{} levels in the R-tree", levels.len());
        // Root first: a level's children are the next level down, at an offset.
        let mut tree = PackedTree::default();
        for level in levels.into_iter().rev() {
            let children_offset = tree.nodes.len() + level.len();
            for (node, _, first) in level {
                let first = match first & TREE_LEAF_BIT {
                    0 => index_u31(first as usize + children_offset),
                    _ => first,
                };
                tree.nodes.push(node);
                tree.firsts.push(first);
            }
        }
        (tree, order)
    }

    /// Calls `leaves(node, hits, first)` for every node of entries with a box that meets
    /// `query`, until it returns false: `hits` has a bit for each such lane, whose entry is
    /// shape `first + lane`.
    ///
    /// Each step takes up to `WALK_NODES` nodes off the stack and tests them together:
    /// their reads do not depend on each other, so their cache misses overlap (one node at a
    /// time measured 10 to 15 % slower on `matches`, where these reads miss the cache).
    pub(super) fn walk(&self, query: &QueryBox, mut leaves: impl FnMut(&TreeNode, u32, u32) -> bool) {
        // Levels never decrease from the bottom of the stack to its top: a step takes the
        // top nodes and pushes their children, lowest level first. So when a step pushes
        // nodes of a level, none of that level is left below, and it pushes at most
        // `WALK_NODES * TREE_LANES` of them: that many per level but the root's, and room
        // for the writes of `TREE_LANES` lanes past the top.
        let mut stack = [0u32; WALK_NODES * TREE_LANES * (TREE_DEPTH_MAX - 1) + 1 + TREE_LANES];
        let mut stack_len = usize::from(!self.nodes.is_empty());
        while stack_len > 0 {
            let taken = stack_len.min(WALK_NODES);
            stack_len -= taken;
            // All `WALK_NODES` copied (the stack has room past its top), so that the copy is
            // a few moves rather than a call; those past `taken` go unused.
            let node_idxs: [u32; WALK_NODES] = std::array::from_fn(|i| stack[stack_len + i]);
            let mut hits = [0u32; WALK_NODES];
            for (hits, node_idx) in hits.iter_mut().zip(&node_idxs[..taken]) {
                *hits = self.nodes[*node_idx as usize].hits(query);
            }
            for (hits, node_idx) in hits.iter().zip(&node_idxs[..taken]) {
                let first = self.firsts[*node_idx as usize];
                if first & TREE_LEAF_BIT != 0 {
                    if *hits != 0 && !leaves(&self.nodes[*node_idx as usize], *hits, first & !TREE_LEAF_BIT) {
                        return;
                    }
                    continue;
                }
                // Every lane written, the length grown by those that meet: no branch on
                // `hits`, which is hard to predict.
                for lane in 0..TREE_LANES {
                    stack[stack_len] = first + lane as u32;
                    stack_len += ((hits >> lane) & 1) as usize;
                }
            }
        }
    }

    /// Replaces `gathered` with the entries whose boxes meet `query`; false (and `gathered`
    /// incomplete, the walk cut short) when there are `GROUP_ENTRIES_MAX` or more.
    pub(super) fn gather(&self, query: &QueryBox, gathered: &mut Gathered) -> bool {
        gathered.nodes.clear();
        gathered.shape_idxs.clear();
        let mut entries_count = 0;
        self.walk(query, |node, mut hits, first| {
            while hits != 0 && entries_count < GROUP_ENTRIES_MAX {
                let lane = hits.trailing_zeros() as usize;
                hits &= hits - 1;
                let gathered_lane = entries_count % TREE_LANES;
                if gathered_lane == 0 {
                    gathered.nodes.push(TreeNode::EMPTY);
                    gathered.shape_idxs.extend([0; TREE_LANES]);
                }
                let gathered_node = gathered.nodes.last_mut().expect("a node was pushed for lane 0");
                for axis in 0..3 {
                    gathered_node.lower[axis][gathered_lane] = node.lower[axis][lane];
                    gathered_node.upper[axis][gathered_lane] = node.upper[axis][lane];
                }
                gathered.shape_idxs[entries_count] = first + lane as u32;
                entries_count += 1;
            }
            entries_count < GROUP_ENTRIES_MAX
        });
        entries_count < GROUP_ENTRIES_MAX
    }
}

/// Sorts `items` into the tiles of sort-tile-recursive packing in 3-D: slabs along x, each
/// cut into columns along y, each cut into runs of `TREE_LANES` along z, about as many
/// slabs as columns per slab and nodes per column. Consecutive runs of `TREE_LANES` are then
/// nodes of nearby boxes. Ties keep their order (the sorts are stable), so the packing is a
/// function of the boxes and their order.
pub(super) fn tile_order<'a>(items: &mut [usize], box_of: impl Fn(usize) -> &'a QueryBox) {
    let nodes_count = items.len().div_ceil(TREE_LANES);
    // Rounding that makes `tiles_per_axis` one too large only makes the tiles fewer.
    let tiles_per_axis = ((nodes_count as f64).cbrt().ceil() as usize).max(1);
    let box_of = &box_of;
    let by_axis =
        |axis: usize| move |a: &usize, b: &usize| box_of(*a).center_2(axis).total_cmp(&box_of(*b).center_2(axis));
    items.sort_by(by_axis(0));
    for slab in items.chunks_mut(TREE_LANES * tiles_per_axis * tiles_per_axis) {
        slab.sort_by(by_axis(1));
        for column in slab.chunks_mut(TREE_LANES * tiles_per_axis) {
            column.sort_by(by_axis(2));
        }
    }
}

/// A node over up to `TREE_LANES` children with these boxes, its own box, and `first`.
pub(super) fn packed_node<'a>(children: impl Iterator<Item = &'a QueryBox>, first: u32) -> (TreeNode, QueryBox, u32) {
    let mut node = TreeNode::EMPTY;
    let mut union: Option<QueryBox> = None;
    for (lane, child) in children.enumerate() {
        for axis in 0..3 {
            node.lower[axis][lane] = child.lower[axis];
            node.upper[axis][lane] = child.upper[axis];
        }
        union = Some(union.map_or(*child, |union| union.union(child)));
    }
    (node, union.expect("a node has children"), first)
}

impl TreeNode {
    /// No children: every lane's box is empty, and meets no box.
    pub(super) const EMPTY: TreeNode =
        TreeNode { lower: [[f32::INFINITY; TREE_LANES]; 3], upper: [[f32::NEG_INFINITY; TREE_LANES]; 3] };

    /// A bit per lane whose box meets the query's. Written without early exits so that it
    /// compiles to vector comparisons.
    pub(super) fn hits(&self, query: &QueryBox) -> u32 {
        let mut hits = 0;
        for lane in 0..TREE_LANES {
            // The largest gap between the boxes along an axis: they meet unless it is positive.
            // Subtracting `f32`s keeps the sign of the comparison exactly, and `max` ignores
            // nothing here (no NaN), so this is a box intersection test, in vector instructions.
            let mut gap = f32::NEG_INFINITY;
            for axis in 0..3 {
                gap =
                    gap.max(self.lower[axis][lane] - query.upper[axis]).max(query.lower[axis] - self.upper[axis][lane]);
            }
            hits |= u32::from(gap <= 0.0) << lane;
        }
        hits
    }
}

/// An index stored in the packed tree, beside `TREE_LEAF_BIT`.
///
/// # Panics
/// From 2³¹ on; memory runs out long before.
pub(super) fn index_u31(idx: usize) -> u32 {
    let idx = index_u32(idx);
    assert!(idx < TREE_LEAF_BIT, "fewer than 2^31 scopes fit in memory");
    idx
}
