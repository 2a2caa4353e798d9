import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SEED_GPSS_CONFIG, seedCluster, seedEffective } from './fixtures';
import {
  configChecksum,
  GpssConfigError,
  gpssPorts,
  parsedConfigChecksum,
  parseGpssConfig,
  renderedAddress,
  renderInstanceConfig,
  requireGpssConfig,
} from './gpss-config';

const SEED_CHECKSUM = '84076a4281a034529be735c5888b898c7959517116741ec4a6b31cc1cfa01813';

const parse = suite('parseGpssConfig');

parse('the seed config parses, as the YAML block gives it', () => {
  assert.is(seedCluster().spec.gpss_config, SEED_GPSS_CONFIG);
  assert.equal(parseGpssConfig(SEED_GPSS_CONFIG), {
    ok: true,
    config: {
      ListenAddress: { Host: '', Port: 5000 },
      Gpfdist: { Host: '', Port: 8090 },
      Cluster: { Id: 'gpfdist', Port: 5001, Etcd: { Endpoints: ['etcd:2379'] } },
    },
  });
});

parse('not JSON', () => {
  const r = parseGpssConfig('{"ListenAddress": ');
  assert.is(r.ok, false);
  if (!r.ok) {
    assert.is(r.problems.length, 1);
    assert.match(r.problems[0], /^gpss_config is not valid JSON: /);
  }
});

parse('not an object', () => {
  for (const text of ['[]', '"x"', '42', 'null']) {
    assert.equal(parseGpssConfig(text), { ok: false, problems: ['gpss_config must be a JSON object'] }, text);
  }
});

parse('every missing or bad port is reported at once', () => {
  assert.equal(
    parseGpssConfig('{"ListenAddress": {"Port": "5000"}, "Gpfdist": [], "Cluster": {"Port": 70000}}'),
    {
      ok: false,
      problems: [
        'gpss_config: ListenAddress.Port must be an integer between 1 and 65535',
        'gpss_config: Gpfdist must be an object with a Port',
        'gpss_config: Cluster.Port must be an integer between 1 and 65535',
      ],
    },
  );
  assert.equal(parseGpssConfig('{"ListenAddress": {"Port": 1.5}, "Gpfdist": {"Port": 0}, "Cluster": {}}'), {
    ok: false,
    problems: [
      'gpss_config: ListenAddress.Port must be an integer between 1 and 65535',
      'gpss_config: Gpfdist.Port must be an integer between 1 and 65535',
      'gpss_config: Cluster.Port must be an integer between 1 and 65535',
    ],
  });
});

parse('ports must be distinct (duplicate container ports break server-side apply)', () => {
  assert.equal(
    parseGpssConfig(
      '{"ListenAddress": {"Port": 5000}, "Gpfdist": {"Port": 5000}, "Cluster": {"Port": 5000}}',
    ),
    {
      ok: false,
      problems: [
        'gpss_config: Gpfdist.Port and ListenAddress.Port are both 5000',
        'gpss_config: Cluster.Port and ListenAddress.Port are both 5000',
      ],
    },
  );
});

parse('requireGpssConfig throws a GpssConfigError carrying the problems', () => {
  try {
    requireGpssConfig('{}');
    assert.unreachable('should throw');
  } catch (err) {
    assert.instance(err, GpssConfigError);
    assert.equal((err as GpssConfigError).problems, [
      'gpss_config: ListenAddress must be an object with a Port',
      'gpss_config: Gpfdist must be an object with a Port',
      'gpss_config: Cluster must be an object with a Port',
    ]);
    assert.is(
      (err as Error).message,
      'invalid gpss_config: gpss_config: ListenAddress must be an object with a Port; gpss_config: Gpfdist must be an object with a Port; gpss_config: Cluster must be an object with a Port',
    );
  }
});

parse.run();

const ports = suite('gpssPorts');

ports('reads the three ports from the user config', () => {
  assert.equal(gpssPorts(requireGpssConfig(SEED_GPSS_CONFIG)), {
    listen: 5000,
    gpfdist: 8090,
    cluster: 5001,
  });
  assert.equal(
    gpssPorts(requireGpssConfig('{"Cluster":{"Port":3},"Gpfdist":{"Port":2},"ListenAddress":{"Port":1}}')),
    { listen: 1, gpfdist: 2, cluster: 3 },
  );
});

ports.run();

const render = suite('renderInstanceConfig');

render('sets the advertised gpfdist address, binds 0.0.0.0, keeps everything else in order', () => {
  assert.is(
    renderInstanceConfig(SEED_GPSS_CONFIG, { host: '10.0.0.1', port: 31001 }),
    `{
  "ListenAddress": {
    "Host": "",
    "Port": 5000
  },
  "Gpfdist": {
    "Host": "10.0.0.1",
    "Port": 31001,
    "BindAddress": "0.0.0.0"
  },
  "Cluster": {
    "Id": "gpfdist",
    "Port": 5001,
    "Etcd": {
      "Endpoints": [
        "etcd:2379"
      ]
    }
  }
}
`,
  );
});

render("keeps the user's BindAddress and other Gpfdist keys; adds Host when absent", () => {
  const text = JSON.stringify({
    Logging: { BackendLevel: 'info' },
    Gpfdist: { ReuseTables: false, Port: 8090, BindAddress: '127.0.0.1' },
    ListenAddress: { Port: 5000 },
    Cluster: { Port: 5001, Id: 'x' },
  });
  assert.is(
    renderInstanceConfig(text, { host: 'lb.example.com', port: 8090 }),
    `{
  "Logging": {
    "BackendLevel": "info"
  },
  "Gpfdist": {
    "ReuseTables": false,
    "Port": 8090,
    "BindAddress": "127.0.0.1",
    "Host": "lb.example.com"
  },
  "ListenAddress": {
    "Port": 5000
  },
  "Cluster": {
    "Port": 5001,
    "Id": "x"
  }
}
`,
  );
});

render('deterministic and does not depend on earlier calls', () => {
  const a = renderInstanceConfig(SEED_GPSS_CONFIG, { host: '10.0.0.1', port: 31001 });
  renderInstanceConfig(SEED_GPSS_CONFIG, { host: '10.0.0.2', port: 31002 });
  assert.is(renderInstanceConfig(SEED_GPSS_CONFIG, { host: '10.0.0.1', port: 31001 }), a);
});

render('from the effective spec: the same text, and its parsed config stays as it was', () => {
  const c = seedEffective();
  const before = JSON.stringify(c.gpss.config);
  const a = renderInstanceConfig(c, { host: '10.0.0.1', port: 31001 });
  assert.is(a, renderInstanceConfig(SEED_GPSS_CONFIG, { host: '10.0.0.1', port: 31001 }));
  renderInstanceConfig(c, { host: '10.0.0.2', port: 31002 });
  assert.is(JSON.stringify(c.gpss.config), before);
  assert.is(renderInstanceConfig(c, { host: '10.0.0.1', port: 31001 }), a);
});

render('throws on an unusable config', () => {
  assert.throws(
    () => renderInstanceConfig('nope', { host: 'h', port: 1 }),
    (e: unknown) => e instanceof GpssConfigError,
  );
});

render('renderedAddress reads back what renderInstanceConfig wrote', () => {
  const text = renderInstanceConfig(SEED_GPSS_CONFIG, { host: '10.0.0.1', port: 31001 });
  assert.equal(renderedAddress(text), { host: '10.0.0.1', port: 31001 });
  assert.is(renderedAddress(undefined), undefined);
  assert.is(renderedAddress('garbage'), undefined);
  assert.is(renderedAddress(SEED_GPSS_CONFIG), undefined, 'an empty Host is no address');
  assert.is(renderedAddress('{"Gpfdist":{"Host":"h","Port":"1"}}'), undefined);
});

render.run();

const checksum = suite('configChecksum');

checksum('sha256 hex of the whitespace-free JSON', () => {
  assert.is(configChecksum(SEED_GPSS_CONFIG), SEED_CHECKSUM);
});

checksum('reformatting does not change it; content and key order do', () => {
  const reformatted = JSON.stringify(JSON.parse(SEED_GPSS_CONFIG), null, 4);
  assert.is(configChecksum(reformatted), SEED_CHECKSUM);
  assert.is.not(configChecksum(SEED_GPSS_CONFIG.replace('etcd:2379', 'etcd:2380')), SEED_CHECKSUM);
  assert.is(
    configChecksum(
      '{"ListenAddress":{"Port":5019},"Gpfdist":{"Port":8319},"Cluster":{"Id":"c1","Port":5020}}',
    ),
    'c07bad273ceefb2a066c47d1560efc06728ed9347ba93d3a8d92dd5c3df5c6aa',
  );
});

checksum('from the parsed config: the same as from its text', () => {
  assert.is(parsedConfigChecksum(requireGpssConfig(SEED_GPSS_CONFIG)), SEED_CHECKSUM);
  assert.is(seedEffective().gpss.checksum, SEED_CHECKSUM);
  const reordered = '{"Gpfdist":{"Port":8090},"ListenAddress":{"Port":5000},"Cluster":{"Port":5001}}';
  assert.is(parsedConfigChecksum(requireGpssConfig(reordered)), configChecksum(reordered));
});

checksum('unparseable text is hashed as is', () => {
  assert.is(configChecksum('not json'), '7ccfa1fbf3940e6f0c0375d87c0f9235a50514e14cb427bdfaf5077987b26ccf');
});

checksum.run();
