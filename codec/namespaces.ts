// XML namespaces of the EOS СЭВ format and the prefixes used for the extensions.
export const SEV_NS = 'http://www.eos.ru/2010/sev';
export const EXT2015_NS = 'http://www.eos.ru/2010/sev/Ext2015';
export const EXT2016_NS = 'http://www.eos.ru/2010/sev/Ext2016';
export const EXT2018_NS = 'http://www.eos.ru/2010/sev/Ext2018';

/** Prefixes for the extension namespaces, in emitted XML and in error paths. */
export const PREFIXES: Readonly<Record<string, string>> = {
  [EXT2015_NS]: 'ext2015',
  [EXT2016_NS]: 'ext2016',
  [EXT2018_NS]: 'ext2018',
};
