/** A two-node corosync.conf without a quorum device, for the setup tests (cluster c1, nodes 10.0.0.1 and 10.0.0.2). */
export const twoNodeConf = `# the operator's comment stays
totem {
  version: 2
  cluster_name: c1
  config_version: 4
}

nodelist {
  node {
    nodeid: 1
    name: node1
    ring0_addr: 10.0.0.1
  }
  node {
    nodeid: 2
    name: node2
    ring0_addr: 10.0.0.2
  }
}

quorum {
  provider: corosync_votequorum
}
`;
